import { Context } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import { markImportRunning, recountImport } from '../db/repositories/imports.ts';
import { log } from '../platform/log.ts';
import { importAccountsBatch, type ImportBatchResult } from '../services/imports/importBatch.ts';

interface ImportRef { orgId: string; importId: string }

/**
 * Activities of the bulkImport workflow. Account workflows are started with the worker's own
 * client, on the queue this activity runs on (where the worker also runs accountLifecycle).
 */
export function createImportActivities(deps: { db: Database }) {
  const { db } = deps;
  return {
    async startImport(input: ImportRef): Promise<void> {
      await markImportRunning(db, input.orgId, input.importId);
      await recountImport(db, input.orgId, input.importId);
    },

    async importAccountsBatch(input: ImportRef & { afterRow: number; limit: number }): Promise<ImportBatchResult | null> {
      const context = Context.current();
      return importAccountsBatch(
        { db, temporal: context.client, taskQueue: context.info.taskQueue, heartbeat: () => context.heartbeat() },
        input.orgId, input.importId, input.afterRow, input.limit,
      );
    },

    async finishImport(input: ImportRef & { outcome: 'completed' | 'failed'; error?: string }): Promise<void> {
      const record = await recountImport(db, input.orgId, input.importId, input.outcome, input.error);
      const fields = { orgId: input.orgId, importId: input.importId, total: record?.total, created: record?.created, skipped: record?.skipped, failed: record?.failed };
      if (input.outcome === 'failed') log.error('import failed', { ...fields, error: input.error });
      else log.info('import completed', fields);
    },
  };
}

export type ImportActivities = ReturnType<typeof createImportActivities>;
