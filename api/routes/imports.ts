import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getImport, listImports, type ImportRecord } from '../../db/repositories/imports.ts';
import { RelayError } from '../../services/errors.ts';
import { confirmImport } from '../../services/imports/confirmImport.ts';
import { importTemplateCsv } from '../../services/imports/importTemplateCsv.ts';
import { previewImport } from '../../services/imports/previewImport.ts';
import { importFileError, MAX_IMPORT_BYTES } from '../../services/imports/readCsvFile.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { errorResponse } from '../errors.tsx';

/** Multipart framing and the CSRF field ride on top of the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;

const tooLargeMessage = `The upload is larger than the ${MAX_IMPORT_BYTES / 1024 / 1024} MB limit. Split the file into smaller files.`;

/** Stops an oversized upload while it streams in, before anything (CSRF check included) buffers it. */
export function importUploadLimit(onTooLarge: (c: Context, message: string) => Response | Promise<Response>): MiddlewareHandler {
  const limit = bodyLimit({ maxSize: MAX_IMPORT_BYTES + MULTIPART_OVERHEAD, onError: (c) => onTooLarge(c, tooLargeMessage) });
  return async function importUploadLimitMiddleware(c, next) {
    if (c.req.method !== 'POST') return next();
    return limit(c, next);
  };
}

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain', 'application/octet-stream', 'application/vnd.ms-excel'];

/** The CSV from a request: raw `text/csv` (name from ?filename=) or a multipart form's `file` field. */
export async function readUpload(c: Context): Promise<{ bytes: Uint8Array; filename: string | undefined }> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    let body: Awaited<ReturnType<typeof c.req.parseBody>>;
    try {
      body = await c.req.parseBody();
    } catch (error) {
      // A form field refused under the text rule (middleware/storableInput.ts) keeps its own answer.
      if (error instanceof RelayError) throw error;
      throw importFileError('invalid', 'The upload could not be read as a multipart form.');
    }
    const file = body.file;
    if (!(file instanceof File)) throw importFileError('invalid', 'Choose a CSV file to upload (form field "file").');
    if (file.size > MAX_IMPORT_BYTES) throw importFileError('too_large', tooLargeMessage);
    return { bytes: new Uint8Array(await file.arrayBuffer()), filename: file.name };
  }
  if (!type || CSV_TYPES.some((t) => type.startsWith(t))) {
    return { bytes: new Uint8Array(await c.req.arrayBuffer()), filename: c.req.query('filename') };
  }
  throw importFileError('invalid', `Send the CSV as the body with Content-Type text/csv, or as multipart/form-data field "file" (got ${type}).`);
}

/** A CSV download; the BOM makes Excel read it as UTF-8. */
export function csvDownload(body: string | AsyncGenerator<string>, filename: string): Response {
  const encoder = new TextEncoder();
  const stream = typeof body === 'string' ? `\uFEFF${body}` : new ReadableStream<Uint8Array>({
    start(controller) { controller.enqueue(encoder.encode('\uFEFF')); },
    async pull(controller) {
      const next = await body.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() { await body.return(undefined); },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
    },
  });
}

export function importStatusBody(record: ImportRecord) {
  return {
    id: record.id, status: record.status, filename: record.filename, total: record.total, valid: record.valid,
    created: record.created, skipped: record.skipped, failed: record.failed, error: record.error,
    createdAt: record.createdAt, startedAt: record.startedAt, completedAt: record.completedAt,
  };
}

export function importRoutes(deps: AppDeps) {
  const requireImport = async (orgId: string, id: string) => {
    const record = await getImport(deps.db, orgId, id);
    if (!record) throw new RelayError('not_found', 'no such import');
    return record;
  };

  return new Hono<ApiEnv>()
    .use('/', importUploadLimit((c, message) => errorResponse(c, new RelayError('payload_too_large', message))))
    .get('/template.csv', () => csvDownload(importTemplateCsv(), 'relay-import-template.csv'))
    .post('/', async (c) => {
      const upload = await readUpload(c);
      const preview = await previewImport(deps.db, c.get('orgId'), { ...upload, createdBy: 'api' });
      return c.json(preview, 201);
    })
    .get('/', async (c) => c.json({ items: (await listImports(deps.db, c.get('orgId'))).map(importStatusBody) }))
    .get('/:id', async (c) => c.json(importStatusBody(await requireImport(c.get('orgId'), c.req.param('id')))))
    .post('/:id/confirm', async (c) => {
      const record = await confirmImport(deps, c.get('orgId'), c.req.param('id'));
      return c.json(importStatusBody(record), 202);
    });
}
