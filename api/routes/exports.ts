import { Hono } from 'hono';
import { accountsCsv, exportFilename } from '../../services/imports/accountsCsv.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { csvDownload } from './imports.ts';

export function exportRoutes(deps: AppDeps) {
  return new Hono<ApiEnv>()
    .get('/accounts.csv', (c) => csvDownload(accountsCsv(deps.db, c.get('orgId')), exportFilename()));
}
