import { Context } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import {
  findStrandedAccounts, findUnstartedAccounts, restartAccountRun, startUnstartedAccount,
  type AccountRef, type AccountRunDeps, type FirstRunOutcome, type RestartOutcome, type StrandedAccount,
} from '../services/accountRuns.ts';

/**
 * Activities of the reconcileAccounts workflow. They use the worker's own Temporal client, and
 * restart runs on the queue they run on: the queue whose workers run the accounts' workflows.
 */
export function createReconcileActivities(deps: { db: Database }) {
  const runDeps = (): AccountRunDeps => {
    const context = Context.current();
    return { db: deps.db, temporal: context.client, taskQueue: context.info.taskQueue };
  };
  return {
    /** Accounts of every organisation (a system job) whose latest run ended while the account was open. */
    async findStrandedAccounts(input: { limit: number }): Promise<StrandedAccount[]> {
      return findStrandedAccounts(runDeps(), { limit: input.limit, onProgress: () => Context.current().heartbeat() });
    },

    /** Restarts one stranded account's run, or leaves it to a person past the restart limit. */
    async restartStrandedAccount(input: StrandedAccount): Promise<RestartOutcome> {
      return restartAccountRun(runDeps(), { orgId: input.orgId, accountId: input.accountId }, { actor: 'relay' });
    },

    /** Accounts of every organisation stored past the grace period whose first run never began. */
    async findUnstartedAccounts(input: { limit: number; orgId?: string }): Promise<AccountRef[]> {
      return (await findUnstartedAccounts({ db: deps.db }, input)).map(({ orgId, accountId }) => ({ orgId, accountId }));
    },

    /** Starts such an account's first run; one that has a run by now is left to it. */
    async startUnstartedAccount(input: AccountRef): Promise<FirstRunOutcome> {
      return startUnstartedAccount(runDeps(), { orgId: input.orgId, accountId: input.accountId });
    },
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
