import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import { getAccount } from '../../../db/repositories/accounts.ts';
import { listTemplates } from '../../../db/repositories/templates.ts';
import { accountInputSchema, arrFromText } from '../../../domain/accountInput.ts';
import { createAccount } from '../../../services/createAccount.ts';
import { RelayError } from '../../../services/errors.ts';
import type { FormState } from '../../../ui/components/account/formFields.tsx';
import { ACCOUNT_FIELD_LABELS, AccountCreatePage } from '../../../ui/pages/AccountCreatePage.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { readFormBody } from '../../middleware/storableInput.ts';
import { setFlash } from './accountFlash.ts';

const FORM_FIELDS = Object.keys(ACCOUNT_FIELD_LABELS);

/** Fields the schema lets one leave out; a blank required field goes in as "" so its own message names it. */
const OMITTABLE = new Set(Object.entries(accountInputSchema.shape)
  .filter(([, schema]) => schema.safeParse(undefined).success).map(([field]) => field));

/**
 * The form's strings as the API's JSON body: blank optional fields are "not given" (some of the
 * schema's optional fields reject empty strings), and only known fields pass, so the same zod
 * schema judges both paths.
 */
function accountBodyFromForm(form: Record<string, unknown>): { values: Record<string, string>; body: Record<string, unknown> } {
  const values: Record<string, string> = {};
  const body: Record<string, unknown> = {};
  for (const field of FORM_FIELDS) {
    const raw = form[field];
    const value = typeof raw === 'string' ? raw : '';
    values[field] = value;
    if (!value.trim()) {
      if (!OMITTABLE.has(field)) body[field] = '';
      continue;
    }
    body[field] = field === 'arr' ? arrFromText(value) : value.trim();
  }
  return { values, body };
}

export function accountCreateRoutes(deps: AppDeps) {
  async function renderForm(c: Context<DashboardEnv>, state: FormState, status: 200 | 400 | 409 | 503, problem?: Child) {
    const user = c.get('user');
    const templates = await listTemplates(deps.db, user.orgId);
    return c.html(
      <AccountCreatePage viewer={user} csrfToken={c.get('csrfToken')} devOutbox={deps.devOutbox} templates={templates} state={state} problem={problem} />,
      status,
    );
  }

  return new Hono<DashboardEnv>()
    .get('/new', (c) => renderForm(c, { values: {}, errors: {} }, 200))
    .post('/new', async (c) => {
      const user = c.get('user');
      const form = await readFormBody(c);
      const { values, body } = accountBodyFromForm(form.body);
      // Text refused under the text rule: shown beside its field, and nothing is created.
      if (Object.keys(form.refused).length) return renderForm(c, { values, errors: form.refused }, 400);
      try {
        const created = await createAccount(deps, user.orgId, body);
        setFlash(c, { kind: 'ok', message: `${values.companyName?.trim()} created: the handoff is being drafted for the AE.` }, deps.secureCookies);
        return c.redirect(`/accounts/${created.id}`, 303);
      } catch (error) {
        if (!(error instanceof RelayError)) throw error;
        if (error.code === 'validation') {
          const errors: Record<string, string> = {};
          for (const { field, message } of error.details.fields ?? []) {
            // The form picks templates by ID; the service names templateName when none was given.
            const key = field === 'templateName' ? 'templateId' : field;
            errors[key] ??= message;
          }
          // The service checks the template only once the fields pass (and names the API's fields):
          // say it now, with the rest, in the form's words.
          if (!body.templateId) errors.templateId = 'choose an onboarding template';
          return renderForm(c, { values, errors }, 400);
        }
        if (error.code === 'conflict') {
          return renderForm(c, { values, errors: {} }, 409, await duplicateProblem(user.orgId, error));
        }
        // Keep what was typed: the person can simply submit again in a moment.
        if (error.code === 'unavailable') return renderForm(c, { values, errors: {} }, 503, <p style="margin:0">{error.message}</p>);
        throw error;
      }
    });

  async function duplicateProblem(orgId: string, error: RelayError): Promise<Child> {
    const ids = error.details.existingAccountId ? [error.details.existingAccountId] : (error.details.candidates ?? []);
    const holders = (await Promise.all(ids.map((id) => getAccount(deps.db, orgId, id)))).filter((a) => a !== null);
    const links = holders.map((a) => <a href={`/accounts/${a.id}`}>{a.companyName}</a>);
    if (holders.length === 1) {
      return <p style="margin:0">An account with this company's domain already exists: {links[0]}. Open it instead, or check the website and contact email.</p>;
    }
    return (
      <p style="margin:0">
        This company matches more than one existing account ({links.map((l, i) => <>{i ? ', ' : ''}{l}</>)}). Nothing was created:
        decide which one it is before adding another.
      </p>
    );
  }
}
