import type { Context, MiddlewareHandler } from 'hono';
import { findUnstorableText, withoutUnstorable, type UnstorableField } from '../../domain/text.ts';
import { RelayError } from '../../services/errors.ts';
import { errorResponse } from '../errors.tsx';

type FormBody = Record<string, string | File | (string | File)[]>;

function refusalMessage(where: 'path' | 'query' | 'body', fields: UnstorableField[]): string {
  const [first] = fields;
  if (!first) return 'The request contains text Relay does not accept.';
  if (where === 'path') return `The address ${first.message}. Nothing was changed.`;
  const others = fields.slice(1).map((f) => `"${f.field}"`);
  const more = others.length ? ` So do ${others.slice(0, 5).join(', ')}${others.length > 5 ? ` and ${others.length - 5} more` : ''}.` : '';
  return `The ${where === 'query' ? 'query parameter' : 'field'} "${first.field}" ${first.message}: remove it and try again.${more} Nothing was changed.`;
}

/**
 * A request refused under the text rule (domain/text.ts): a 400 `validation` naming each field. For
 * a form it also carries what was posted, refused characters taken out, so a page can show its form
 * again with the error beside the field (readFormBody) instead of the error page.
 */
export class UnstorableInputError extends RelayError {
  override name = 'UnstorableInputError';
  constructor(where: 'path' | 'query' | 'body', fields: UnstorableField[], readonly form?: FormBody) {
    super('validation', refusalMessage(where, fields), { fields });
  }
}

function cleanedForm(body: FormBody): FormBody {
  const clean = (v: string | File) => (typeof v === 'string' ? withoutUnstorable(v) : v);
  const cleaned: FormBody = Object.create(null) as FormBody;
  for (const [key, value] of Object.entries(body)) cleaned[withoutUnstorable(key)] = Array.isArray(value) ? value.map(clean) : clean(value);
  return cleaned;
}

function pathProblems(url: string): UnstorableField[] {
  const segments = new URL(url).pathname.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment; // Malformed escapes stay as typed, as Hono's own parameter decoding leaves them.
    }
  });
  return findUnstorableText(segments).slice(0, 1).map((f) => ({ ...f, field: '(path)' }));
}

function queryProblems(c: Context): UnstorableField[] {
  const found: UnstorableField[] = [];
  for (const [name, values] of Object.entries(c.req.queries())) {
    const problems = findUnstorableText({ [name]: values });
    // `q.0` → `q`: a parameter is named as the URL spells it.
    if (problems[0]) found.push({ field: problems[0].field.replace(/\.\d+$/, ''), message: problems[0].message });
  }
  return found;
}

/**
 * The text rule where input enters, once for every route (registered in api/app.tsx):
 *
 * - the URL's path and query string are checked before any route runs;
 * - bodies are checked when they are read: `c.req.json()`, `c.req.parseBody()` and `c.req.formData()`
 *   hand a route (or the CSRF check) the parsed body only if every string and key in it obeys the
 *   rule, and throw an UnstorableInputError otherwise. Hono caches what it parsed, so a body read
 *   twice is checked twice but buffered once, and bodies nobody reads are never parsed.
 *
 * Checking bodies at read time rather than parsing them here keeps the body limits in charge: a
 * body parsed ahead of a later `bodyLimit` (the CSV uploads') would leave it a consumed stream, and
 * a CSV read as text here would hide its encoding from the importer. CSV files have their own
 * per-cell check (services/imports/accountRows.ts); a file field of a form is not text.
 */
export function storableInput(): MiddlewareHandler {
  return async function storableInputMiddleware(c, next) {
    const inPath = pathProblems(c.req.url);
    if (inPath.length) return errorResponse(c, new UnstorableInputError('path', inPath));
    const inQuery = queryProblems(c);
    if (inQuery.length) return errorResponse(c, new UnstorableInputError('query', inQuery));

    const req = c.req;
    const json = req.json.bind(req);
    const parseBody = req.parseBody.bind(req);
    const formData = req.formData.bind(req);
    const checkedJson = async () => {
      const body: unknown = await json();
      const fields = findUnstorableText(body);
      if (fields.length) throw new UnstorableInputError('body', fields);
      return body;
    };
    const checkedParseBody = async (options?: Parameters<typeof parseBody>[0]) => {
      const body = await parseBody(options) as FormBody;
      const fields = findUnstorableText(body);
      if (fields.length) throw new UnstorableInputError('body', fields, cleanedForm(body));
      return body;
    };
    const checkedFormData = async () => {
      const data = await formData();
      const fields = [...data.entries()].flatMap(([name, value]) => findUnstorableText({ [name]: value }));
      if (fields.length) throw new UnstorableInputError('body', fields);
      return data;
    };
    // The same request object every later middleware and route sees (sub-apps included).
    Object.assign(req, { json: checkedJson as typeof req.json, parseBody: checkedParseBody as typeof req.parseBody, formData: checkedFormData });
    await next();
  };
}

/**
 * A form body for a page that shows its form again when something is wrong: the fields refused under
 * the text rule come back as errors keyed by field name, beside what was posted with the refused
 * characters taken out, so the page treats them like its own validation errors (and must not save).
 * Any other failure is thrown.
 */
export async function readFormBody(c: Context): Promise<{ body: FormBody; refused: Record<string, string> }> {
  try {
    return { body: await c.req.parseBody() as FormBody, refused: {} };
  } catch (error) {
    if (!(error instanceof UnstorableInputError) || !error.form) throw error;
    const refused: Record<string, string> = {};
    for (const { field, message } of error.details.fields ?? []) refused[field] ??= `This field ${message.replace(/^contains/, 'contained')}. It has been taken out here: check the text and submit again.`;
    return { body: error.form, refused };
  }
}
