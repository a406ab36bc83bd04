import { ServiceError, type Client } from '@temporalio/client';
import type { Database } from '../../db/client.ts';
import { getImport, markImportRunning, type ImportRecord } from '../../db/repositories/imports.ts';
import { bulkImportWorkflowId, type BulkImportWorkflow } from '../../workflows/bulkImportDefinitions.ts';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions.ts';
import { WORKFLOW_START_WITHIN_MS } from '../createAccount.ts';
import { RelayError, workflowEngineUnavailable } from '../errors.ts';

export interface ConfirmImportDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  /** Tests lower these to exercise batching and continue-as-new. */
  importBatchSize?: number;
  importBatchesPerRun?: number;
}

/**
 * Rows per batch activity. Each batch is one transaction and its runs' starts, and the workflow's
 * turn between two batches queues behind the account runs the import has started, so fewer, larger
 * batches finish sooner (bench/csvImport.bench.ts); 500 rows keep a batch's statements and a
 * retry's repeated starts small.
 */
const IMPORT_BATCH_SIZE = 500;

/**
 * Starts (or finds) the import's bulkImport run. Confirming twice is harmless: the run's ID comes
 * from the import, and a finished import is left as it is.
 */
export async function confirmImport(deps: ConfirmImportDeps, orgId: string, importId: string): Promise<ImportRecord> {
  const record = await getImport(deps.db, orgId, importId);
  if (!record) throw new RelayError('not_found', 'no such import');
  if (record.status === 'completed') return record;
  try {
    await deps.temporal.withDeadline(Date.now() + WORKFLOW_START_WITHIN_MS, () => deps.temporal.workflow.start<BulkImportWorkflow>('bulkImport', {
      workflowId: bulkImportWorkflowId(orgId, importId),
      taskQueue: deps.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{
        orgId, importId,
        batchSize: deps.importBatchSize ?? IMPORT_BATCH_SIZE,
        ...(deps.importBatchesPerRun ? { batchesPerRun: deps.importBatchesPerRun } : {}),
      }],
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.orgId, value: orgId }],
    }));
  } catch (error) {
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
  // After the start, and only from previewed/failed: a tiny import may already be completed.
  await markImportRunning(deps.db, orgId, importId);
  return (await getImport(deps.db, orgId, importId)) ?? record;
}
