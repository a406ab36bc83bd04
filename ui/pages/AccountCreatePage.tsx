import type { Child } from 'hono/jsx';
import { ACCOUNT_FIELD_LABELS as ACCOUNT_INPUT_LABELS, COMPANY_SIZES } from '../../domain/accountInput.ts';
import { AppLayout, type Viewer } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import { FieldError, TextAreaField, TextField, type FormState } from '../components/account/formFields.tsx';

export interface AccountCreatePageProps {
  viewer: Viewer;
  csrfToken: string;
  devOutbox: boolean;
  templates: { id: string; name: string; currentVersion: number }[];
  state: FormState;
  /** A problem with the account as a whole (e.g. its domain is taken), shown above the fields. */
  problem?: Child;
}

/** Labels of the fields, in form order; the error summary names fields by these. */
export const ACCOUNT_FIELD_LABELS: Record<string, string> = ACCOUNT_INPUT_LABELS;

export function AccountCreatePage(p: AccountCreatePageProps) {
  const s = p.state;
  const errorFields = Object.keys(s.errors);
  return (
    <AppLayout title="New account" section="new-account" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head"><h1>New account</h1></div>
      <form class="card" method="post" action="/accounts/new" novalidate style="max-width:760px">
        <CsrfField token={p.csrfToken} />
        {p.problem ? <div class="flash error" role="alert">{p.problem}</div> : null}
        {errorFields.length ? (
          <div class="flash error" role="alert">
            <p style="margin:0">The account was not created. Fix {errorFields.length === 1 ? 'this field' : `these ${errorFields.length} fields`}:</p>
            <ul style="margin:4px 0 0">
              {errorFields.map((f) => <li><a href={`#account-${f}`}>{ACCOUNT_FIELD_LABELS[f] ?? f}</a>: {s.errors[f]}</li>)}
            </ul>
          </div>
        ) : null}

        <h2>Company</h2>
        <div class="grid">
          <TextField id="account-companyName" name="companyName" label="Company name" state={s} required autocomplete="organization" />
          <TextField id="account-arr" name="arr" label="ARR (whole dollars)" state={s} required inputmode="numeric" hint="Annual recurring revenue; MRR is ARR / 12." />
          <TextField id="account-closeDate" name="closeDate" label="Close date" type="date" state={s} required hint="YYYY-MM-DD" />
          <TextField id="account-website" name="website" label="Website" type="url" state={s} placeholder="https://example.com" hint="An https address; its domain identifies the company." />
          <TextField id="account-industry" name="industry" label="Industry" state={s} />
          <div>
            <label for="account-companySize">Company size<span class="muted small"> (optional)</span></label>
            <select id="account-companySize" name="companySize" aria-invalid={s.errors.companySize ? 'true' : undefined}>
              <option value="">Not known</option>
              {COMPANY_SIZES.map((size) => <option value={size} selected={s.values.companySize === size}>{size} employees</option>)}
            </select>
            <FieldError id="account-companySize" message={s.errors.companySize} />
          </div>
        </div>

        <h2 style="margin-top:18px">Primary contact</h2>
        <div class="grid">
          <TextField id="account-primaryContactName" name="primaryContactName" label="Primary contact name" state={s} required />
          <TextField id="account-primaryContactEmail" name="primaryContactEmail" label="Primary contact email" type="email" state={s} required />
          <TextField id="account-primaryContactRole" name="primaryContactRole" label="Primary contact role" state={s} />
        </div>

        <h2 style="margin-top:18px">Handoff</h2>
        <div class="grid">
          <TextField id="account-aeEmail" name="aeEmail" label="AE email" type="email" state={s} hint="The account executive who gets the handoff link." />
          <div>
            <label for="account-templateId">Onboarding template</label>
            <select id="account-templateId" name="templateId" required
              aria-invalid={s.errors.templateId ? 'true' : undefined} aria-describedby={s.errors.templateId ? 'account-templateId-error' : undefined}>
              <option value="">Choose a template…</option>
              {p.templates.map((t) => <option value={t.id} selected={s.values.templateId === t.id}>{t.name} (v{t.currentVersion})</option>)}
            </select>
            <FieldError id="account-templateId" message={s.errors.templateId} />
          </div>
        </div>
        <TextAreaField id="account-notes" name="notes" label="Notes" state={s} />
        <TextAreaField id="account-rawPayload" name="rawPayload" label="Deal notes for drafting" state={s} rows={6}
          hint="CRM notes, deal info, call notes: used to draft the handoff Q&A." />
        <button type="submit">Create account</button>
      </form>
    </AppLayout>
  );
}
