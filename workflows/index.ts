export { accountLifecycle } from './accountLifecycle.ts';
export { bulkImport } from './bulkImport.ts';
export { sendSignInLinks } from './signInLinks.ts';
export { reconcileAccounts } from './reconcileAccounts.ts';
export { healthScoring } from './healthScoring.ts';
export { healthRescorer } from './healthRescorer.ts';
export { hubspotDeal } from './hubspotDeal.ts';
export { connectorSync } from './connectorSync.ts';
