import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { HealthActivities } from '../activities/health.ts';
import { healthRunProgressQuery, type HealthRunProgress, type HealthScoringInput, type HealthScoringResult } from './healthDefinitions.ts';

// A batch reads and writes a thousand accounts in one transaction: a minute is ample, and a database
// outage is waited out (no attempt limit) since the whole run is bounded by its execution timeout.
const { scoreHealthBatch, planHealthRun } = proxyActivities<HealthActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const DEFAULT_BATCH_SIZE = 1_000;
/** Two batches in flight keep both of Postgres's cores busy on a small machine; more only queue. */
const DEFAULT_CONCURRENCY = 2;

/**
 * One organisation's scoring run, started nightly by its Temporal Schedule (`health-<orgId>`) or by
 * "Score now": every non-churned account, in ID ranges fixed when the run starts, a few ranges at a
 * time. Each range is one activity and one transaction, so a retried one scores its accounts again
 * (the same day's point is replaced, never doubled). Progress is the `progress` query.
 */
export async function healthScoring(input: HealthScoringInput): Promise<HealthScoringResult> {
  const progress: HealthRunProgress = { status: 'running', scored: 0, total: 0, wentAtRisk: 0, recovered: 0 };
  setHandler(healthRunProgressQuery, () => progress);
  const plan = await planHealthRun({ orgId: input.orgId, batchSize: input.batchSize ?? DEFAULT_BATCH_SIZE });
  progress.total = plan.total;
  const queue = [...plan.ranges];
  const lane = async (): Promise<void> => {
    for (let range = queue.shift(); range; range = queue.shift()) {
      const done = await scoreHealthBatch({ orgId: input.orgId, range });
      progress.scored += done.scored;
      progress.wentAtRisk += done.wentAtRisk;
      progress.recovered += done.recovered;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, input.concurrency ?? DEFAULT_CONCURRENCY) }, lane));
  progress.status = 'completed';
  return progress;
}
