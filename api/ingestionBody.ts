import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Context } from 'hono';
import { findUnstorableText } from '../domain/text.ts';
import { RelayError } from '../services/errors.ts';
import { REQUEST_BODY_LIMIT_BYTES } from './middleware/requestBodyLimit.ts';
import { UnstorableInputError } from './middleware/storableInput.ts';
import { jsonBody } from './validation.ts';

const gunzipAsync = promisify(gunzip);

const tooLarge = () => new RelayError('payload_too_large', `The request body is larger than the ${REQUEST_BODY_LIMIT_BYTES / 1024 / 1024} MB limit (after decompression). Send fewer events per request.`);
const invalid = (message: string) => new RelayError('validation', message, { fields: [{ field: '(body)', message }] });

/**
 * An event request's JSON body, plain or gzipped (`Content-Encoding: gzip`, as posthog-node sends
 * it). The 1 MB limit holds on the wire (requestBodyLimit) and again after decompression, so a small
 * gzip bomb is refused (413) before it is inflated past 1 MB. A gzipped body gets the text rule here
 * (a plain one gets it from storableInput when it is read).
 */
export async function readEventsBody(c: Context): Promise<unknown> {
  const encoding = (c.req.header('content-encoding') ?? '').trim().toLowerCase();
  if (!encoding || encoding === 'identity') return jsonBody(c.req);
  if (encoding !== 'gzip') throw invalid(`Content-Encoding "${encoding}" is not supported: send the body plain or gzipped`);
  let text: string;
  try {
    text = (await gunzipAsync(await c.req.arrayBuffer(), { maxOutputLength: REQUEST_BODY_LIMIT_BYTES })).toString('utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw invalid('the body is not valid gzip');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid('the body must be JSON (not valid JSON after decompression)');
  }
  const unstorable = findUnstorableText(body);
  if (unstorable.length) throw new UnstorableInputError('body', unstorable);
  return body;
}
