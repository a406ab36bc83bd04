import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

type Fields = Record<string, unknown>;

/** Fields every line written inside a scope carries (the API puts each request's requestId, orgId… here). */
const scope = new AsyncLocalStorage<Fields>();

/**
 * Keys whose values never reach a log line, wherever a caller puts them: at the top of the fields,
 * one level down (`{ headers: { authorization } }`, `{ error: { token } }`) or two. Key-based: a
 * secret pasted into a message string is the caller's bug, and the tests look for that too.
 */
const SECRET_KEYS = [
  'authorization', 'Authorization', 'cookie', 'Cookie', 'set-cookie', 'Set-Cookie', 'x-api-key',
  'password', 'passwd', 'secret', 'clientSecret', 'client_secret', 'apiKey', 'api_key', 'writeKey', 'write_key',
  'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'idToken', 'id_token', 'bearer',
  'privateKey', 'private_key', 'sessionToken', 'csrfToken', 'signature', 'RELAY_SECRET', 'DATABASE_URL',
];
const path = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`);
const join = (prefix: string, key: string) => (path(key).startsWith('[') ? `${prefix}${path(key)}` : `${prefix}.${path(key)}`);
const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => [path(key), join('*', key), join('*.*', key)]);

/**
 * Info and warn go to stdout (silent under RELAY_LOG_QUIET=true, as the test script sets), errors to
 * stderr always. The streams are looked up at each write, not captured: tests swap them to read lines.
 */
const stdout: DestinationStream = { write: (line) => { if (process.env.RELAY_LOG_QUIET !== 'true') process.stdout.write(line); } };
const stderr: DestinationStream = { write: (line) => { process.stderr.write(line); } };

const logger: Logger = pino({
  level: 'info',
  // The line's shape predates pino and scripts read it (`"message":"worker started"`): time, level, message.
  // Lines start `{"time":…,"level":"info","pid":…`, as they did before pino: pino's own level and time
  // would lead with the level, so both come from the mixin (which pino hands the level number).
  messageKey: 'message',
  // No leading comma: with the level formatter empty, the time opens the object.
  timestamp: () => `"time":"${new Date().toISOString()}"`,
  base: undefined,
  formatters: { level: () => ({}) },
  redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  // Then the scope's fields; a line's own fields win over them.
  mixin: (_fields, level) => ({ level: pino.levels.labels[level] ?? String(level), pid: process.pid, ...scope.getStore() }),
}, pino.multistream([{ level: 'info', stream: stdout }, { level: 'error', stream: stderr }], { dedupe: true }));

/** One JSON line per event; callers pass ids (orgId, accountId, workflowId). Keys that name secrets are redacted. */
export const log = {
  info: (message: string, fields: Fields = {}) => logger.info(fields, message),
  warn: (message: string, fields: Fields = {}) => logger.warn(fields, message),
  error: (message: string, fields: Fields = {}) => logger.error(fields, message),
};

/** Runs `work` with `fields` on every log line it writes, however deep the call. */
export function withLogFields<T>(fields: Fields, work: () => T): T {
  return scope.run({ ...scope.getStore(), ...fields }, work);
}

/**
 * Adds fields to the current scope from here on (a request learns its organisation only once its
 * key or session is checked). Scopes opened inside keep their own copy; outside any scope, nothing.
 */
export function addLogFields(fields: Fields): void {
  const store = scope.getStore();
  if (store) Object.assign(store, fields);
}
