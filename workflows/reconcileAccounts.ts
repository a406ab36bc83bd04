import { log, patched, proxyActivities } from '@temporalio/workflow';
import type { ReconcileActivities } from '../activities/reconcile.ts';
import type { ReconcileAccountsInput, ReconcileAccountsResult } from './definitions.ts';

// A few attempts, not forever: the schedule starts the next run in minutes, and with overlap SKIP a
// run stuck retrying would hold every later one back.
const retry = { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 5 };
// The search heartbeats per run it looks at, so a crashed worker costs a minute, not the whole timeout.
const { findStrandedAccounts } = proxyActivities<ReconcileActivities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute', retry });
const { restartStrandedAccount, findUnstartedAccounts, startUnstartedAccount } = proxyActivities<ReconcileActivities>({ startToCloseTimeout: '1 minute', retry });

/** 2026-11: accounts committed whose first run never started are started too (issue 13: the start left the transaction). */
const FIRST_RUNS_PATCH = 'reconcile-first-runs';

const DEFAULT_LIMIT = 100;

/**
 * Started by the Temporal Schedule `relay-reconcile-accounts` (every 10 minutes, overlap SKIP).
 * Finds accounts whose run ended (failed, terminated, timed out, cancelled) while the account was
 * still pending_handoff, active or at_risk, and starts each run again from what Postgres holds, at
 * most 3 times a day per account; past that the account's timeline says it needs a person. It spans
 * Accounts committed whose first run never started (the start after the commit failed, and taking
 * the account back failed too) are started here as well, once they are past a grace period. It spans
 * every organisation on purpose: a system job, not a request of one organisation; each write still
 * carries the account's orgId.
 */
export async function reconcileAccounts(input: ReconcileAccountsInput = {}): Promise<ReconcileAccountsResult> {
  const stranded = await findStrandedAccounts({ limit: input.limit ?? DEFAULT_LIMIT });
  const result: ReconcileAccountsResult = { accounts: [] };
  for (const account of stranded) {
    try {
      const { outcome } = await restartStrandedAccount(account);
      result.accounts.push({ accountId: account.accountId, outcome });
    } catch (error) {
      // One account that cannot be restarted now must not hold back the others; the next run tries again.
      log.warn('could not reconcile an account', { accountId: account.accountId, error: error instanceof Error ? error.message : String(error) });
      result.accounts.push({ accountId: account.accountId, outcome: 'error' });
    }
  }
  if (patched(FIRST_RUNS_PATCH)) {
    for (const account of await findUnstartedAccounts({ limit: input.limit ?? DEFAULT_LIMIT, ...(input.orgId ? { orgId: input.orgId } : {}) })) {
      try {
        const { outcome } = await startUnstartedAccount(account);
        result.accounts.push({ accountId: account.accountId, outcome });
      } catch (error) {
        log.warn('could not start an account\'s first run', { accountId: account.accountId, error: error instanceof Error ? error.message : String(error) });
        result.accounts.push({ accountId: account.accountId, outcome: 'error' });
      }
    }
  }
  return result;
}
