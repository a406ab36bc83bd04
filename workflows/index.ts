export { accountLifecycle } from './accountLifecycle.ts';
export { bulkImport } from './bulkImport.ts';
