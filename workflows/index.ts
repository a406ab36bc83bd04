export { accountLifecycle } from './accountLifecycle.ts';
