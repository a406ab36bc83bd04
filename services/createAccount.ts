import { ServiceError, type Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import { findAccountsByDomains, insertAccountWithDomains, removeUnstartedAccount } from '../db/repositories/accounts.ts';
import { getOrganisationSettings } from '../db/repositories/organisations.ts';
import { findCurrentTemplateVersion } from '../db/repositories/templates.ts';
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

async function refuseKnownDomains(db: Database, orgId: string, domains: string[]): Promise<void> {
  const holders = [...new Set((await findAccountsByDomains(db, orgId, domains)).map((h) => h.accountId))];
  if (holders.length === 1) {
    throw new RelayError('conflict', 'an account with this domain already exists', { existingAccountId: holders[0] });
  }
  if (holders.length > 1) {
    throw new RelayError('conflict', 'this company matches more than one existing account; a person must decide', { candidates: holders });
  }
}

/** What is wrong when no current template version matches the reference. */
function templateMissing(ref: { templateId?: string | undefined; templateName?: string | undefined }): FieldError {
  const field = ref.templateId ? 'templateId' : 'templateName';
  const message = ref.templateId || ref.templateName ? 'no such template in this organisation' : 'a template is required (templateName or templateId)';
  return { field, message };
}

/**
 * Every path that creates an account comes here: validate, dedupe by domain, store, and start the
 * account's workflow. The account is committed, then its run started; a run that cannot start takes
 * the account back, so either both exist or neither does; the domains' unique index settles
 * concurrent creates of one company.
 */
export async function createAccount(deps: CreateAccountDeps, orgId: string, body: unknown): Promise<CreatedAccount> {
  const parsed = accountInputSchema.safeParse(body);
  if (!parsed.success) {
    // Every bad field in one answer: the template is looked up too, when the body names one readably.
    const fields = fieldErrors(parsed.error);
    const ref = templateRefSchema.safeParse(body);
    if (ref.success && !fields.some((f) => f.field === 'templateName' || f.field === 'templateId')) {
      if (!await findCurrentTemplateVersion(deps.db, orgId, ref.data)) fields.push(templateMissing(ref.data));
    }
    throw new RelayError('validation', 'the account has invalid fields', { fields });
  }
  const input: AccountInput = parsed.data;

  const version = await findCurrentTemplateVersion(deps.db, orgId, input);
  if (!version) {
    const refused = templateMissing(input);
    throw new RelayError('validation', refused.message, { fields: [refused] });
  }

  const domains = companyDomains(input);
  await refuseKnownDomains(deps.db, orgId, domains);

  const settings = await getOrganisationSettings(deps.db, orgId);
  const id = newId();
  const workflowId = accountWorkflowId(id);
  try {
    await deps.db.transaction(async (tx) => {
      await insertAccountWithDomains(tx, {
        id, orgId, companyName: input.companyName, arr: input.arr, closeDate: input.closeDate,
        primaryContactName: input.primaryContactName, primaryContactEmail: input.primaryContactEmail,
        primaryContactRole: input.primaryContactRole ?? null, industry: input.industry ?? null,
        companySize: input.companySize ?? null, website: input.website ?? null, notes: input.notes ?? null,
        aeEmail: input.aeEmail ?? null, rawPayload: input.rawPayload ?? null, primaryDomain: domains[0] ?? null,
        status: 'pending_handoff', templateVersionId: version.id, workflowId,
      }, domains);
    });
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
    await deps.temporal.withDeadline(Date.now() + WORKFLOW_START_WITHIN_MS, () => startFirstRun(deps.temporal, deps.taskQueue, {
      orgId, accountId: id, companyName: input.companyName, settings, historyLimit: deps.historyLimit,
    }));
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
