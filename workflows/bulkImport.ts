import { ApplicationFailure, continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ImportActivities } from '../activities/imports.ts';
import type { BulkImportInput, BulkImportResult } from './bulkImportDefinitions.ts';
import { FAILURE_TYPES } from './definitions.ts';

export type { BulkImportInput, BulkImportResult };

const bookkeeping = proxyActivities<ImportActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

// A batch heartbeats after every row; a worker that dies mid-batch is noticed within the heartbeat
// timeout and the batch re-runs, skipping rows whose outcome is already stored.
const batches = proxyActivities<ImportActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_BATCHES_PER_RUN = 200;

/**
 * Creates an import's accounts, batch by batch, through the same path as the API (each row's
 * account gets its own accountLifecycle run). Progress is stored after every batch; a batch that
 * keeps failing marks the import failed, with the rows done so far kept.
 */
export async function bulkImport(input: BulkImportInput): Promise<BulkImportResult> {
  const { orgId, importId } = input;
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const batchesPerRun = input.batchesPerRun ?? DEFAULT_BATCHES_PER_RUN;
  let afterRow = input.afterRow ?? 0;
  let counts: BulkImportResult = { created: 0, skipped: 0, failed: 0, total: 0 };

  try {
    if (input.afterRow === undefined) await bookkeeping.startImport({ orgId, importId });
    for (let done = 0; ; done += 1) {
      if (done >= batchesPerRun || workflowInfo().continueAsNewSuggested) break;
      const result = await batches.importAccountsBatch({ orgId, importId, afterRow, limit: batchSize });
      if (!result) throw ApplicationFailure.nonRetryable(`import ${importId} is not in the database`, FAILURE_TYPES.importNotFound);
      counts = result.counts;
      if (result.lastRow === null) {
        await bookkeeping.finishImport({ orgId, importId, outcome: 'completed' });
        return counts;
      }
      afterRow = result.lastRow;
    }
  } catch (error) {
    const message = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    await bookkeeping.finishImport({ orgId, importId, outcome: 'failed', error: message });
    throw error;
  }
  // No signal or update handlers here, so nothing can be in flight when the run hands over.
  return continueAsNew<typeof bulkImport>({ ...input, afterRow });
}
