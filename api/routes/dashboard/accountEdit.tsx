import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import { findAccountsByDomains, getAccount } from '../../../db/repositories/accounts.ts';
import { accountChangeInWords, ACCOUNT_EDIT_LABELS, type EditableAccount } from '../../../domain/accountEdits.ts';
import { arrFromText } from '../../../domain/accountInput.ts';
import { domainOfWebsiteOrHost } from '../../../domain/companyDomains.ts';
import { AccountEditConflict, editAccount, loadAccountForEdit } from '../../../services/accountEdits.ts';
import { RelayError } from '../../../services/errors.ts';
import { accountPath } from '../../../ui/components/account/accountView.ts';
import type { FormState } from '../../../ui/components/account/formFields.tsx';
import { AccountNotFoundPage } from '../../../ui/pages/AccountDetailPage.tsx';
import { AccountEditPage } from '../../../ui/pages/AccountEditPage.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { readFormBody } from '../../middleware/storableInput.ts';
import { setFlash } from './accountFlash.ts';

// The account's edit form (issue 14): /accounts/:id/edit, filled with what is saved, posted back as
// the same partial edit the API's PATCH takes (services/accountEdits.ts), with the version it was
// filled from, so an edit made while someone else saved theirs is refused rather than applied over it.

type EditContext = Context<DashboardEnv>;

const FORM_FIELDS = Object.keys(ACCOUNT_EDIT_LABELS) as (keyof typeof ACCOUNT_EDIT_LABELS)[];

/** A textarea posts CRLF line breaks; what is stored has LF. */
const lf = (value: string): string => value.replace(/\r\n?/g, '\n');

/** The saved account as the form's strings. */
function formValuesOf(account: EditableAccount): Record<string, string> {
  return {
    companyName: account.companyName, arr: String(account.arr), closeDate: account.closeDate,
    primaryContactName: account.primaryContactName, primaryContactEmail: account.primaryContactEmail,
    primaryContactRole: account.primaryContactRole ?? '', industry: account.industry ?? '', companySize: account.companySize ?? '',
    primaryDomain: account.primaryDomain ?? '', secondaryDomains: account.secondaryDomains.join('\n'), notes: account.notes ?? '',
  };
}

/**
 * The form's strings as the API's body: every field is sent (the service changes only those that
 * differ); a blank optional field clears it, a blank required one is "" so its own rule names it.
 */
function editBodyFromForm(values: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of FORM_FIELDS) {
    const value = values[field] ?? '';
    if (field === 'arr') body.arr = value.trim() ? arrFromText(value) : '';
    else if (field === 'secondaryDomains') body.secondaryDomains = value.split(/[\s,;]+/).filter(Boolean);
    else body[field] = lf(value);
  }
  return body;
}

/** Form values compared as the service would read them, so only real differences show as "saved now". */
const comparable = (field: string, value: string): string =>
  field === 'secondaryDomains' ? value.split(/[\s,;]+/).filter(Boolean).map((d) => domainOfWebsiteOrHost(d) ?? d).sort().join(' ')
    : field === 'primaryDomain' ? (domainOfWebsiteOrHost(value) ?? value.trim())
      : field === 'arr' ? String(arrFromText(value.trim()))
        : field === 'primaryContactEmail' ? value.trim().toLowerCase() : lf(value).trim();

export function accountEditRoutes(deps: AppDeps) {
  const notFound = (c: EditContext) =>
    c.html(<AccountNotFoundPage viewer={c.get('user')} csrfToken={c.get('csrfToken')} devOutbox={deps.devOutbox} />, 404);

  function render(c: EditContext, accountId: string, savedName: string, version: string, state: FormState, status: 200 | 400 | 409, extra: { problem?: Child; savedNow?: Record<string, string> } = {}) {
    return c.html(
      <AccountEditPage viewer={c.get('user')} csrfToken={c.get('csrfToken')} devOutbox={deps.devOutbox}
        accountId={accountId} savedName={savedName} version={version} state={state} problem={extra.problem} savedNow={extra.savedNow} />,
      status,
    );
  }

  /** The accounts holding the form's domains, linked, for a 409 that says which account to open instead. */
  async function heldDomainsProblem(orgId: string, accountId: string, values: Record<string, string>, error: RelayError): Promise<{ problem: Child; errors: Record<string, string> }> {
    const primary = domainOfWebsiteOrHost(values.primaryDomain ?? '');
    const others = (values.secondaryDomains ?? '').split(/[\s,;]+/).map((d) => domainOfWebsiteOrHost(d)).filter((d): d is string => Boolean(d));
    const held = (await findAccountsByDomains(deps.db, orgId, [...(primary ? [primary] : []), ...others])).filter((h) => h.accountId !== accountId);
    const holders = (await Promise.all([...new Set(held.map((h) => h.accountId))].map((id) => getAccount(deps.db, orgId, id)))).filter((a) => a !== null);
    const errors: Record<string, string> = {};
    for (const h of held) {
      const field = h.domain === primary ? 'primaryDomain' : 'secondaryDomains';
      const holder = holders.find((a) => a.id === h.accountId);
      errors[field] ??= `${h.domain} already identifies ${holder ? holder.companyName : 'another account'}`;
    }
    const problem = holders.length ? (
      <p style="margin:0">
        Nothing was saved: {holders.length === 1 ? 'a domain you gave already identifies ' : 'domains you gave already identify '}
        {holders.map((a, i) => <>{i ? ', ' : ''}<a href={accountPath(a.id)}>{a.companyName}</a></>)}. An organisation never has two accounts with one domain.
      </p>
    ) : <p style="margin:0">Nothing was saved: {error.message}.</p>;
    return { problem, errors };
  }

  return new Hono<DashboardEnv>()
    .get('/:id/edit', async (c) => {
      const id = c.req.param('id');
      const loaded = await loadAccountForEdit(deps, c.get('user').orgId, id);
      if (!loaded) return notFound(c);
      return render(c, id, loaded.account.companyName, loaded.version, { values: formValuesOf(loaded.account), errors: {} }, 200);
    })
    .post('/:id/edit', async (c) => {
      const id = c.req.param('id');
      const user = c.get('user');
      const loaded = await loadAccountForEdit(deps, user.orgId, id);
      if (!loaded) return notFound(c);
      const form = await readFormBody(c);
      const values: Record<string, string> = {};
      for (const field of FORM_FIELDS) {
        const raw = form.body[field];
        values[field] = typeof raw === 'string' ? raw : '';
      }
      const posted = form.body.version;
      const version = typeof posted === 'string' && posted ? posted : loaded.version;
      const savedName = loaded.account.companyName;
      // Text refused under the text rule: beside its field, and nothing is saved.
      if (Object.keys(form.refused).length) return render(c, id, savedName, version, { values, errors: form.refused }, 400);
      try {
        const edited = await editAccount(deps, user.orgId, id, editBodyFromForm(values), user.email, { expectedVersion: version });
        setFlash(c, edited.changes.length
          ? { kind: 'ok', message: `Saved. ${edited.changes.map(accountChangeInWords).join('; ')}.` }
          : { kind: 'ok', message: 'Nothing to save: the account already says that.' }, deps.secureCookies);
        return c.redirect(accountPath(id), 303);
      } catch (error) {
        if (!(error instanceof RelayError)) throw error;
        if (error.code === 'not_found') return notFound(c);
        if (error.code === 'validation') {
          const errors: Record<string, string> = {};
          // `secondaryDomains.2` → the domains box; `(body)` cannot happen with every field sent.
          for (const { field, message } of error.details.fields ?? []) errors[field.split('.')[0]!] ??= message;
          return render(c, id, savedName, version, { values, errors }, 400);
        }
        if (error instanceof AccountEditConflict) {
          // Someone saved first: what they saved is shown beside each field where this form differs, and
          // the form now carries their version, so saving again (deliberately) applies this one over it.
          const now = formValuesOf((await loadAccountForEdit(deps, user.orgId, id))?.account ?? loaded.account);
          const savedNow = Object.fromEntries(FORM_FIELDS.filter((f) => comparable(f, values[f] ?? '') !== comparable(f, now[f] ?? '')).map((f) => [f, now[f] ?? '']));
          const problem = (
            <p style="margin:0">
              Someone else saved changes to this account after you opened this form, so nothing of yours was saved.
              {Object.keys(savedNow).length ? ' Where your form differs from what is saved now, the saved value is shown under the field.' : ''} Save again to apply your version.
            </p>
          );
          return render(c, id, savedName, error.currentVersion, { values, errors: {} }, 409, { problem, savedNow });
        }
        if (error.code === 'conflict') {
          const held = await heldDomainsProblem(user.orgId, id, values, error);
          return render(c, id, savedName, version, { values, errors: held.errors }, 409, { problem: held.problem });
        }
        throw error;
      }
    });
}
