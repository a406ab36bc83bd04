import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { getImport, listImportRows, listImports } from '../../../db/repositories/imports.ts';
import { accountsCsv, exportFilename } from '../../../services/imports/accountsCsv.ts';
import { confirmImport } from '../../../services/imports/confirmImport.ts';
import { importTemplateCsv } from '../../../services/imports/importTemplateCsv.ts';
import { loadImportPreview, previewImport } from '../../../services/imports/previewImport.ts';
import { RelayError } from '../../../services/errors.ts';
import { httpStatusOf } from '../../errors.tsx';
import { ImportPreviewPage, ImportProgressPage, ImportsPage } from '../../../ui/pages/ImportPages.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { csvDownload, importUploadLimit, readUpload } from '../imports.ts';

/** Mounted ahead of the session and CSRF checks, which would otherwise buffer any size of upload. */
export const dashboardImportUploadLimit = importUploadLimit((c, message) => c.text(message, 413));

const ROWS_PER_PAGE = 100;
const pageSchema = z.coerce.number().int().min(1).max(1_000).catch(1);

export function importsRoutes(deps: AppDeps) {
  const app = new Hono<DashboardEnv>();
  const shell = (c: Context<DashboardEnv>) => ({ viewer: c.get('user'), csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox });

  async function listPage(c: Context<DashboardEnv>, error?: { status: ContentfulStatusCode; message: string }) {
    const imports = await listImports(deps.db, c.get('user').orgId);
    return c.html(<ImportsPage {...shell(c)} imports={imports} {...(error ? { error: error.message } : {})} />, error?.status ?? 200);
  }

  app.get('/', (c) => listPage(c));
  app.get('/template.csv', () => csvDownload(importTemplateCsv(), 'relay-import-template.csv'));
  app.get('/export/accounts.csv', (c) => csvDownload(accountsCsv(deps.db, c.get('user').orgId), exportFilename()));

  app.post('/', async (c) => {
    const user = c.get('user');
    try {
      const upload = await readUpload(c);
      const preview = await previewImport(deps.db, user.orgId, { ...upload, createdBy: user.id });
      return c.redirect(`/imports/${preview.id}`, 303);
    } catch (error) {
      if (error instanceof RelayError && (error.code === 'validation' || error.code === 'payload_too_large')) {
        return listPage(c, { status: httpStatusOf(error.code), message: error.message });
      }
      throw error;
    }
  });

  app.get('/:id', async (c) => {
    const orgId = c.get('user').orgId;
    const record = await getImport(deps.db, orgId, c.req.param('id'));
    if (!record) return c.notFound();
    if (record.status === 'previewed') {
      const [preview, firstRows] = await Promise.all([
        loadImportPreview(deps.db, orgId, record.id),
        listImportRows(deps.db, orgId, record.id, { limit: 20 }),
      ]);
      if (!preview) return c.notFound();
      return c.html(<ImportPreviewPage {...shell(c)} preview={preview} firstRows={firstRows} />);
    }
    const page = pageSchema.parse(c.req.query('page'));
    const rows = await listImportRows(deps.db, orgId, record.id, { limit: ROWS_PER_PAGE, offset: (page - 1) * ROWS_PER_PAGE });
    if (record.status === 'running') c.header('Refresh', '2');
    return c.html(<ImportProgressPage {...shell(c)} record={record} rows={rows} page={page} pageSize={ROWS_PER_PAGE} />);
  });

  app.post('/:id/confirm', async (c) => {
    const orgId = c.get('user').orgId;
    // Checked first, so another organisation's import is a 404 whatever was posted.
    if (!(await getImport(deps.db, orgId, c.req.param('id')))) return c.notFound();
    await confirmImport(deps, orgId, c.req.param('id'));
    return c.redirect(`/imports/${c.req.param('id')}`, 303);
  });

  return app;
}
