import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { HealthActivities } from '../activities/health.ts';
import type { HealthRescorerInput } from './healthDefinitions.ts';

const { rescoreChangedAccounts } = proxyActivities<HealthActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Defaults: a change settles 5 s (a burst of events is one rescoring), and an idle rescorer looks every 5 s. */
const DEFAULTS = { settleMs: 5_000, idleMs: 5_000, batchSize: 500 };

/**
 * Rescores accounts whose inputs changed (events, a pulse, a task, a milestone), within seconds and
 * without a Temporal signal per event: changes only mark the account in `health_rescore_queue`, and
 * this one workflow (`relay-health-rescorer`, every organisation) takes the settled marks in batches.
 * Busy: batch after batch; idle: a durable timer. It continues as new when its history grows.
 */
export async function healthRescorer(input: HealthRescorerInput = {}): Promise<void> {
  const settleMs = input.settleMs ?? DEFAULTS.settleMs;
  const idleMs = input.idleMs ?? DEFAULTS.idleMs;
  const limit = input.batchSize ?? DEFAULTS.batchSize;
  let rescored = input.rescoredSoFar ?? 0;
  while (!workflowInfo().continueAsNewSuggested && workflowInfo().historyLength < 2_000) {
    const done = await rescoreChangedAccounts({ settleMs, limit, ...(input.orgIds ? { orgIds: input.orgIds } : {}) });
    rescored += done.scored;
    // Sleep only when the queue ran short: a full batch (churned accounts included) means more wait.
    if ((done.taken ?? done.scored) < limit) await sleep(idleMs);
  }
  await continueAsNew<typeof healthRescorer>({ ...input, rescoredSoFar: rescored });
}
