import { z } from 'zod';

/**
 * The one rule for text that enters Relay, wherever it comes from (the JSON API, the dashboard's
 * forms, the AE's handoff page, CSV cells, query strings and paths, and later connectors and
 * events): no control characters but tab, line feed and carriage return, and no unpaired UTF-16
 * surrogates. Such text is refused where it enters, naming the field, never stored.
 *
 * - U+0000 (NUL): Postgres cannot store it in text or jsonb; it used to fail deep inside a request
 *   (a 500) or inside a workflow's projecting activity (retried for ever).
 * - U+0001–U+0008, U+000B, U+000C, U+000E–U+001F: storable, but they mean nothing in a name, a note
 *   or an answer; they are invisible on every page and email, break CSV exports and terminals, and
 *   usually mean a binary or UTF-16 file read as text.
 * - U+007F (DEL): refused too. It is a control character (Unicode category Cc) like the C0 set, has
 *   no printable form and no use in text Relay keeps, and filenames already drop it.
 * - An unpaired surrogate (U+D800–U+DFFF on its own, only possible through a JSON `\ud800` escape):
 *   a text column would silently turn it into U+FFFD and a jsonb column refuses it.
 *
 * C1 controls (U+0080–U+009F) and other Unicode (emoji, right-to-left text, zero-width joiners) are
 * text, and are kept.
 */
// Built from a string so the pattern can name the control characters it is about.
const UNSTORABLE = new RegExp(
  '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]',
);
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

const codePoint = (char: string) => `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `text` may not be stored ("contains an invisible control character (U+0000), …"), or null when it may. */
export function unstorableTextProblem(text: string): string | null {
  const found = UNSTORABLE.exec(text)?.[0];
  if (found === undefined) return null;
  const code = found.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) {
    return `contains a broken character (an unpaired UTF-16 surrogate, ${codePoint(found)}), which Relay does not accept in text`;
  }
  return `contains an invisible control character (${codePoint(found)}), which Relay does not accept in text`;
}

/**
 * The text with every refused character replaced by U+FFFD (the visible "�"): for showing or keeping
 * a refused value beside its error (a CSV preview row, a form shown again), never for accepting it.
 */
export const withUnstorableMarked = (text: string): string => text.replace(UNSTORABLE_ALL, '\uFFFD');

/** The text without the refused characters: for showing a refused form again, as the person saw it. */
export const withoutUnstorable = (text: string): string => text.replace(UNSTORABLE_ALL, '');

/** For `.superRefine(storableText)` on any string schema, before `.trim()` (which would hide U+000B and U+000C). */
export function storableText(value: string, ctx: z.RefinementCtx<string>): void {
  const problem = unstorableTextProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
}

/** `z.string()` that obeys the rule; chain `.trim()`, `.min()`, `.max()` as usual. */
export const storableString = (params?: Parameters<typeof z.string>[0]) => z.string(params).superRefine(storableText);

/** Where a value (a parsed JSON body, a form, a query) holds refused text: each string and key, by its path. */
export interface UnstorableField { field: string; message: string }

/** A path as the API names fields (`answers.0.answer`); a refused key shows its characters escaped. */
const pathName = (path: readonly (string | number)[]) => path.map((p) => (typeof p === 'number' ? String(p) : p.replace(UNSTORABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))).join('.');

/** JSON objects and parsed forms (Hono's have no prototype); not files or other class instances. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

interface Visit { value: unknown; key: string | number | null; parent: Visit | null }

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let v: Visit | null = visit; v && v.key !== null; v = v.parent) path.push(v.key);
  return path.reverse();
}

/**
 * Every string and key in `value` (a parsed JSON body, a form, a query) that breaks the rule, named
 * by its path, in document order. Iterative, so a 1 MB body nested a million deep is a refusal or a
 * pass, never a stack overflow.
 */
export function findUnstorableText(value: unknown): UnstorableField[] {
  const found: UnstorableField[] = [];
  const stack: Visit[] = [{ value, key: null, parent: null }];
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const item = visit.value;
    if (typeof item === 'string') {
      const problem = unstorableTextProblem(item);
      if (problem) found.push({ field: visit.key === null ? '(body)' : pathName(pathOf(visit)), message: problem });
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i -= 1) stack.push({ value: item[i], key: i, parent: visit });
    } else if (isPlainObject(item)) {
      const entries = Object.entries(item);
      for (const [key] of entries) {
        const keyProblem = unstorableTextProblem(key);
        if (keyProblem) found.push({ field: pathName([...pathOf(visit), key]), message: `the field name ${keyProblem}` });
      }
      for (const [key, child] of entries.reverse()) if (unstorableTextProblem(key) === null) stack.push({ value: child, key, parent: visit });
    }
    // Anything else (numbers, files, blobs) is not text: an upload's contents have rules of their own.
  }
  return found;
}
