import type { Child } from 'hono/jsx';
import { ACCOUNT_EDIT_LABELS } from '../../domain/accountEdits.ts';
import { COMPANY_SIZES } from '../../domain/accountInput.ts';
import { AppLayout, type Viewer } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import { accountPath } from '../components/account/accountView.ts';
import { FieldError, TextAreaField, TextField, type FormState } from '../components/account/formFields.tsx';

export interface AccountEditPageProps {
  viewer: Viewer;
  csrfToken: string;
  devOutbox: boolean;
  accountId: string;
  /** The company's name as saved (the page's title), whatever the form says. */
  savedName: string;
  /** The edit version the form was filled from: posted back, so an edit on a stale view is refused. */
  version: string;
  state: FormState;
  /** A problem with the edit as a whole (a domain another account holds, someone else's edit), above the fields. */
  problem?: Child;
  /** After someone else's edit: the value saved now of each field where the form says otherwise. */
  savedNow?: Record<string, string>;
}

const label = (field: string): string => (ACCOUNT_EDIT_LABELS as Record<string, string>)[field] ?? field;

function SavedNow(p: { field: string; savedNow: Record<string, string> | undefined }) {
  const value = p.savedNow?.[p.field];
  if (value === undefined) return null;
  return <p class="muted small" data-saved-now={p.field} style="margin:2px 0 0;overflow-wrap:anywhere">Saved now: {value.trim() ? value : '(empty)'}</p>;
}

/** The account's record as a form, filled with what is saved; works as a plain form post. */
export function AccountEditPage(p: AccountEditPageProps) {
  const s = p.state;
  const errorFields = Object.keys(s.errors);
  const saved = (field: string) => <SavedNow field={field} savedNow={p.savedNow} />;
  return (
    <AppLayout title={`Edit ${p.savedName}`} section="accounts" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head">
        <div>
          <p class="small" style="margin:0"><a href={accountPath(p.accountId)}>← {p.savedName}</a></p>
          <h1 style="overflow-wrap:anywhere">Edit account</h1>
        </div>
      </div>
      <form class="card" method="post" action={accountPath(p.accountId, '/edit')} novalidate style="max-width:760px">
        <CsrfField token={p.csrfToken} />
        <input type="hidden" name="version" value={p.version} />
        {p.problem ? <div class="flash error" role="alert">{p.problem}</div> : null}
        {errorFields.length ? (
          <div class="flash error" role="alert">
            <p style="margin:0">Nothing was saved. Fix {errorFields.length === 1 ? 'this field' : `these ${errorFields.length} fields`}:</p>
            <ul style="margin:4px 0 0">
              {errorFields.map((f) => <li><a href={`#edit-${f}`}>{label(f)}</a>: {s.errors[f]}</li>)}
            </ul>
          </div>
        ) : null}

        <h2>Company</h2>
        <div class="grid">
          <div><TextField id="edit-companyName" name="companyName" label="Company name" state={s} required autocomplete="organization" />{saved('companyName')}</div>
          <div><TextField id="edit-arr" name="arr" label="ARR (whole dollars)" state={s} required inputmode="numeric" hint="A number, or as written: $48,000." />{saved('arr')}</div>
          <div><TextField id="edit-closeDate" name="closeDate" label="Close date" type="date" state={s} required hint="YYYY-MM-DD" />{saved('closeDate')}</div>
          <div><TextField id="edit-industry" name="industry" label="Industry" state={s} />{saved('industry')}</div>
          <div>
            <label for="edit-companySize">Company size<span class="muted small"> (optional)</span></label>
            <select id="edit-companySize" name="companySize" aria-invalid={s.errors.companySize ? 'true' : undefined}
              aria-describedby={s.errors.companySize ? 'edit-companySize-error' : undefined}>
              <option value="">Not known</option>
              {COMPANY_SIZES.map((size) => <option value={size} selected={s.values.companySize === size}>{size} employees</option>)}
            </select>
            <FieldError id="edit-companySize" message={s.errors.companySize} />
            {saved('companySize')}
          </div>
        </div>

        <h2 style="margin-top:18px">Primary contact</h2>
        <div class="grid">
          <div><TextField id="edit-primaryContactName" name="primaryContactName" label="Primary contact name" state={s} required />{saved('primaryContactName')}</div>
          <div><TextField id="edit-primaryContactEmail" name="primaryContactEmail" label="Primary contact email" type="email" state={s} required />{saved('primaryContactEmail')}</div>
          <div><TextField id="edit-primaryContactRole" name="primaryContactRole" label="Primary contact role" state={s} />{saved('primaryContactRole')}</div>
        </div>

        <h2 style="margin-top:18px">Domains</h2>
        <p class="muted small" style="margin:0 0 4px">
          The domains that identify this company: product events and new accounts are matched by them, and no
          other account of your organisation may have one of them.
        </p>
        <div class="grid">
          <div><TextField id="edit-primaryDomain" name="primaryDomain" label="Primary domain" state={s} placeholder="acme.com" />{saved('primaryDomain')}</div>
          <div>
            <TextAreaField id="edit-secondaryDomains" name="secondaryDomains" label="Other domains" state={s} rows={3} hint="One per line, e.g. acme.io" />
            {saved('secondaryDomains')}
          </div>
        </div>

        <TextAreaField id="edit-notes" name="notes" label="Notes" state={s} rows={5} />
        {saved('notes')}
        <div class="button-row">
          <button type="submit">Save changes</button>
          <a class="button secondary" href={accountPath(p.accountId)}>Cancel</a>
        </div>
      </form>
    </AppLayout>
  );
}
