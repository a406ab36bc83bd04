import type { ConnectionLike } from '@temporalio/client';
import type { DatabaseHandle } from '../db/client.ts';

export interface Readiness {
  database: boolean;
  temporal: boolean;
  /** A worker has polled the task queue within the last minute: workflows and their updates move. */
  workers: boolean;
}

/** Each check gets this long; a dependency that does not answer in time counts as missing. */
const CHECK_TIMEOUT_MS = 2_000;

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);
}

/** What /api/ready reports: every dependency a request may need, checked at once, in bounded time. */
export async function checkReadiness(
  database: Pick<DatabaseHandle, 'ping'>, temporal: ConnectionLike, where: { namespace: string; taskQueue: string },
): Promise<Readiness> {
  const deadline = Date.now() + CHECK_TIMEOUT_MS;
  const [db, system, queue] = await Promise.allSettled([
    within(CHECK_TIMEOUT_MS, database.ping()),
    temporal.withDeadline(deadline, () => temporal.workflowService.getSystemInfo({})),
    // TASK_QUEUE_TYPE_WORKFLOW = 1.
    temporal.withDeadline(deadline, () => temporal.workflowService.describeTaskQueue({
      namespace: where.namespace, taskQueue: { name: where.taskQueue }, taskQueueType: 1,
    })),
  ]);
  const recentPoll = Date.now() - 60_000;
  const pollers = queue.status === 'fulfilled' ? queue.value.pollers ?? [] : [];
  const workers = pollers.some((p) => {
    const seconds = Number(p.lastAccessTime?.seconds ?? 0);
    return seconds * 1000 >= recentPoll;
  });
  return { database: db.status === 'fulfilled', temporal: system.status === 'fulfilled', workers };
}
