import { ServiceError, type Client } from '@temporalio/client';
import type { ZodError } from 'zod';
import type { Database } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import { findAccountsByDomains, insertAccountWithDomains, removeUnstartedAccount, type NewAccount } from '../db/repositories/accounts.ts';
import { getOrganisationSettings } from '../db/repositories/organisations.ts';
import { findCurrentTemplateVersion } from '../db/repositories/templates.ts';
import type { OrganisationSettings } from '../db/schema/organisations.ts';
import { fieldErrors, accountInputSchema, templateRefSchema, type AccountInput, type FieldError } from '../domain/accountInput.ts';
import { companyDomains } from '../domain/companyDomains.ts';
import { log } from '../platform/log.ts';
import { accountWorkflowId } from '../workflows/definitions.ts';
import { startFirstRun } from './accountRuns.ts';
import { RelayError, workflowEngineUnavailable } from './errors.ts';
import { matchEventsToNewAccount } from './events/matchEvents.ts';

export interface CreateAccountDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  /** Tests lower it to exercise continue-as-new. */
  historyLimit?: number;
}

/** How long a request waits for Temporal to start a run before answering 503. */
export const WORKFLOW_START_WITHIN_MS = 1_500;

export interface CreatedAccount { id: string; status: 'pending_handoff'; workflowId: string }

/** The conflict a new account meets when these accounts already hold its domains; null when none does. */
export function domainConflict(holderAccountIds: string[]): RelayError | null {
  const holders = [...new Set(holderAccountIds)];
  if (holders.length === 1) return new RelayError('conflict', 'an account with this domain already exists', { existingAccountId: holders[0] });
  if (holders.length > 1) return new RelayError('conflict', 'this company matches more than one existing account; a person must decide', { candidates: holders });
  return null;
}

async function refuseKnownDomains(db: Database, orgId: string, domains: string[]): Promise<void> {
  const conflict = domainConflict((await findAccountsByDomains(db, orgId, domains)).map((h) => h.accountId));
  if (conflict) throw conflict;
}

/** A settled read's value, or its error thrown (Promise.allSettled lets every read finish before one is answered). */
function settled<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

/** What is wrong when no current template version matches the reference. */
function templateMissing(ref: { templateId?: string | undefined; templateName?: string | undefined }): FieldError {
  const field = ref.templateId ? 'templateId' : 'templateName';
  const message = ref.templateId || ref.templateName ? 'no such template in this organisation' : 'a template is required (templateName or templateId)';
  return { field, message };
}

/** Finds the current version of the template a body names (createAccount's lookup; a bulk caller may cache it). */
export type TemplateVersionLookup = (ref: { templateId?: string | undefined; templateName?: string | undefined }) => Promise<{ id: string } | null>;

/** What a body that fails its schema is answered: every bad field, the template too when the body names one readably. */
async function invalidAccountBody(error: ZodError, body: unknown, findTemplate: TemplateVersionLookup): Promise<RelayError> {
  const fields = fieldErrors(error);
  const ref = templateRefSchema.safeParse(body);
  if (ref.success && !fields.some((f) => f.field === 'templateName' || f.field === 'templateId')) {
    if (!await findTemplate(ref.data)) fields.push(templateMissing(ref.data));
  }
  return new RelayError('validation', 'the account has invalid fields', { fields });
}

/** The current version of the template a valid body names; a 'validation' RelayError naming the field when there is none. */
async function templateVersionOf(input: AccountInput, findTemplate: TemplateVersionLookup): Promise<string> {
  const version = await findTemplate(input);
  if (!version) {
    const refused = templateMissing(input);
    throw new RelayError('validation', refused.message, { fields: [refused] });
  }
  return version.id;
}

/** The organisation's current template versions, looked up one reference at a time. */
const currentTemplates = (db: Database, orgId: string): TemplateVersionLookup => (ref) => findCurrentTemplateVersion(db, orgId, ref);

/** The body as an account, or a 'validation' RelayError naming every bad field (the template looked up only then). */
async function accountInputOf(body: unknown, findTemplate: TemplateVersionLookup): Promise<AccountInput> {
  const parsed = accountInputSchema.safeParse(body);
  if (!parsed.success) throw await invalidAccountBody(parsed.error, body, findTemplate);
  return parsed.data;
}

/**
 * The body checked as the API checks it, and the template version it names. A RelayError
 * ('validation') names every bad field, the template included when the body names one readably.
 */
export async function validateAccountBody(
  db: Database, orgId: string, body: unknown, findTemplate: TemplateVersionLookup = currentTemplates(db, orgId),
): Promise<{ input: AccountInput; templateVersionId: string }> {
  const input = await accountInputOf(body, findTemplate);
  return { input, templateVersionId: await templateVersionOf(input, findTemplate) };
}

/** The row a new account is stored as: pending_handoff, its run's ID derived from its own. */
export function newAccountRow(orgId: string, id: string, input: AccountInput, templateVersionId: string, domains: string[]): NewAccount {
  return {
    id, orgId, companyName: input.companyName, arr: input.arr, closeDate: input.closeDate,
    primaryContactName: input.primaryContactName, primaryContactEmail: input.primaryContactEmail,
    primaryContactRole: input.primaryContactRole ?? null, industry: input.industry ?? null,
    companySize: input.companySize ?? null, website: input.website ?? null, notes: input.notes ?? null,
    aeEmail: input.aeEmail ?? null, rawPayload: input.rawPayload ?? null, primaryDomain: domains[0] ?? null,
    status: 'pending_handoff', templateVersionId, workflowId: accountWorkflowId(id),
  };
}

/**
 * Starts a committed account's first run, bounded by `withinMs`: with Temporal down the caller hears
 * a ServiceError within seconds. The same start every path makes (services/accountRuns.ts).
 */
export async function startNewAccountRun(
  deps: Pick<CreateAccountDeps, 'temporal' | 'taskQueue' | 'historyLimit'>,
  account: { orgId: string; accountId: string; companyName: string; settings: OrganisationSettings },
  withinMs = WORKFLOW_START_WITHIN_MS,
): Promise<void> {
  await deps.temporal.withDeadline(Date.now() + withinMs, () => startFirstRun(deps.temporal, deps.taskQueue, {
    ...account, historyLimit: deps.historyLimit,
  }));
}

/**
 * Every path that creates one account comes here (the CSV import creates a batch at once from the same
 * pieces: services/imports/importBatch.ts): validate, dedupe by domain, store, and start the
 * account's workflow. The account is committed, then its run started; a run that cannot start takes
 * the account back, so either both exist or neither does; the domains' unique index settles
 * concurrent creates of one company.
 */
export async function createAccount(deps: CreateAccountDeps, orgId: string, body: unknown): Promise<CreatedAccount> {
  const findTemplate = currentTemplates(deps.db, orgId);
  const input = await accountInputOf(body, findTemplate);
  const domains = companyDomains(input);
  // The three reads a valid body needs go together (each one indexed lookup; one after another they
  // were three waits on the database under load): its template, the accounts already holding its
  // domains, the organisation's settings. A missing template is answered before a taken domain, as before.
  const [templateVersion, holders, settings] = await Promise.allSettled([
    templateVersionOf(input, findTemplate), findAccountsByDomains(deps.db, orgId, domains), getOrganisationSettings(deps.db, orgId),
  ]);
  const templateVersionId = settled(templateVersion);
  const conflict = domainConflict(settled(holders).map((h) => h.accountId));
  if (conflict) throw conflict;
  const organisationSettings = settled(settings);

  const id = newId();
  const workflowId = accountWorkflowId(id);
  try {
    // One statement: the account and its domains stored together or not at all.
    await insertAccountWithDomains(deps.db, newAccountRow(orgId, id, input, templateVersionId, domains), domains);
  } catch (error) {
    if (isUniqueViolation(error)) await refuseKnownDomains(deps.db, orgId, domains);
    throw error;
  }
  // Committed first, then started: no pooled connection waits on Temporal. The start is bounded: with
  // Temporal down the caller hears 503 within seconds, and the account is taken back so nothing
  // half-made stays. A start that happened after all, unseen, keeps its account (the run's first
  // write makes the foreign keys refuse the removal) or, removed in time, finds no row and ends its
  // run (AccountNotStored). If the removal fails too (the database went as well), the reconciler
  // starts the run later (services/accountRuns.ts: findUnstartedAccounts).
  try {
    await startNewAccountRun(deps, { orgId, accountId: id, companyName: input.companyName, settings: organisationSettings });
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    const removed = await removeUnstartedAccount(deps.db, orgId, id).catch((removal: unknown) => {
      log.warn('a new account whose run could not start was not taken back; the reconciler will start its run', {
        orgId, accountId: id, error: removal instanceof Error ? removal.message : String(removal),
      });
      return false;
    });
    if (!removed) log.warn('a new account\'s run may have started unseen; it was kept', { orgId, accountId: id });
    throw workflowEngineUnavailable(error);
  }
  // Events that arrived before the account did (kept unmatched) are its now; never fails the create.
  await matchEventsToNewAccount(deps.db, orgId, id, domains);
  return { id, status: 'pending_handoff', workflowId };
}
