export { accountLifecycle } from './accountLifecycle.ts';
export { bulkImport } from './bulkImport.ts';
export { sendSignInLinks } from './signInLinks.ts';
export { reconcileAccounts } from './reconcileAccounts.ts';
