// What the API needs to start and recognise a bulkImport run, without loading the workflow itself.

/** One run per import: a second confirm of the same import finds this run instead of starting another. */
export const bulkImportWorkflowId = (orgId: string, importId: string): string => `import-${orgId}-${importId}`;

export interface BulkImportInput {
  orgId: string;
  importId: string;
  /** Rows per activity (default 100). */
  batchSize?: number;
  /** Present after continue-as-new: the last row the previous run got through. */
  afterRow?: number;
  /** Continue-as-new after this many batches even if Temporal does not suggest it (tests lower it). */
  batchesPerRun?: number;
}

export interface BulkImportResult { created: number; skipped: number; failed: number; total: number }

/** The workflow's signature, for starting it by name without loading its code. */
export type BulkImportWorkflow = (input: BulkImportInput) => Promise<BulkImportResult>;
