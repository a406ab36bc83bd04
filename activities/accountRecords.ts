import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import { getAccount } from '../db/repositories/accounts.ts';
import { FAILURE_TYPES } from '../workflows/definitions.ts';

/** Which account an activity works on: every activity input carries it. */
export interface AccountRef { orgId: string; accountId: string }

export async function requireAccount(db: Database, { orgId, accountId }: AccountRef) {
  const account = await getAccount(db, orgId, accountId);
  if (!account) throw ApplicationFailure.retryable(`account ${accountId} is not in the database (yet)`, FAILURE_TYPES.accountNotFound);
  return account;
}

/** How long after its run was asked for an account may still be committing; past it, it never will. */
export const ACCOUNT_COMMIT_GRACE_MS = 60_000;

/**
 * The run is started inside the transaction that stores the account, so its first read can land a
 * few milliseconds before the commit. Waiting that out here is cheaper than a failed attempt and a
 * retry (which a 10,000-row import would pay thousands of times); after two seconds the retry
 * policy takes over. A database that does not answer is retried for as long as it takes. A
 * database that answers without the row, longer than any commit takes after the run was asked for
 * (`graceMs` from the first attempt), means the transaction rolled back: AccountNotStored, for good.
 */
export async function awaitCommittedAccount(db: Database, ref: AccountRef, opts: { firstScheduledAt: number; graceMs: number }) {
  for (let waited = 0; waited < 2_000; waited += 50) {
    const account = await getAccount(db, ref.orgId, ref.accountId);
    if (account) return account;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (Date.now() - opts.firstScheduledAt > opts.graceMs) {
    throw ApplicationFailure.nonRetryable(`account ${ref.accountId} was never stored: the transaction that started its run did not commit`, FAILURE_TYPES.accountNotStored);
  }
  return requireAccount(db, ref);
}
