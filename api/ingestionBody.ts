import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Context } from 'hono';
import { findUnstorableText } from '../domain/text.ts';
import { RelayError } from '../services/errors.ts';
import { REQUEST_BODY_LIMIT_BYTES } from './middleware/requestBodyLimit.ts';
import { UnstorableInputError } from './middleware/storableInput.ts';

const gunzipAsync = promisify(gunzip);

const tooLarge = () => new RelayError('payload_too_large', `The request body is larger than the ${REQUEST_BODY_LIMIT_BYTES / 1024 / 1024} MB limit (after decompression). Send fewer events per request.`);
const invalid = (message: string) => new RelayError('validation', message, { fields: [{ field: '(body)', message }] });
/** The answer jsonBody (api/validation.ts) gives a body that is not JSON. */
const notJson = () => new RelayError('validation', 'the body must be a JSON object', { fields: [{ field: '(body)', message: 'not valid JSON' }] });

/**
 * Whether JSON text surely holds no text the rule refuses (domain/text.ts), without walking what it
 * parses to: with no escape in it, no refused character can be in a string or key. JSON.parse refuses
 * raw control characters inside strings (only tab, line feed and carriage return may stand between
 * tokens), text decoded from UTF-8 holds no lone surrogate, so only an escape (`\u0000`, `\b`, `\f`,
 * `\ud800`…) or a raw DEL can spell one. A body with a backslash or a DEL is walked.
 */
const surelyStorable = (text: string) => !text.includes('\\') && !text.includes('\u007f');

function parseChecked(text: string, onInvalid: () => RelayError): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw onInvalid();
  }
  if (!surelyStorable(text)) {
    const unstorable = findUnstorableText(body);
    if (unstorable.length) throw new UnstorableInputError('body', unstorable);
  }
  return body;
}

/**
 * An event request's JSON body, plain or gzipped (`Content-Encoding: gzip`, as posthog-node sends
 * it), under the text rule. The 1 MB limit holds on the wire (requestBodyLimit) and again after
 * decompression, so a small gzip bomb is refused (413) before it is inflated past 1 MB. Read as text
 * and checked here rather than through `c.req.json()` (storableInput's check walks every string of
 * the parsed body, a few per cent of a batch's cost): the answers are the same.
 */
export async function readEventsBody(c: Context): Promise<unknown> {
  const encoding = (c.req.header('content-encoding') ?? '').trim().toLowerCase();
  if (!encoding || encoding === 'identity') {
    let text: string;
    try {
      text = await c.req.text();
    } catch (error) {
      if (error instanceof RelayError) throw error;
      throw notJson();
    }
    return parseChecked(text, notJson);
  }
  if (encoding !== 'gzip') throw invalid(`Content-Encoding "${encoding}" is not supported: send the body plain or gzipped`);
  let text: string;
  try {
    text = (await gunzipAsync(await c.req.arrayBuffer(), { maxOutputLength: REQUEST_BODY_LIMIT_BYTES })).toString('utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw invalid('the body is not valid gzip');
  }
  return parseChecked(text, () => invalid('the body must be JSON (not valid JSON after decompression)'));
}
