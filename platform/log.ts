import { AsyncLocalStorage } from 'node:async_hooks';

type Fields = Record<string, unknown>;

/** Fields every line written inside a scope carries (the API puts each request's requestId here). */
const scope = new AsyncLocalStorage<Fields>();

function write(level: 'info' | 'warn' | 'error', message: string, fields: Fields): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...scope.getStore(), ...fields });
  if (level === 'error') process.stderr.write(`${line}\n`);
  else if (process.env.RELAY_LOG_QUIET !== 'true') process.stdout.write(`${line}\n`);
}

/** One JSON line per event; callers pass ids (orgId, accountId, workflowId), never secrets. */
export const log = {
  info: (message: string, fields: Fields = {}) => write('info', message, fields),
  warn: (message: string, fields: Fields = {}) => write('warn', message, fields),
  error: (message: string, fields: Fields = {}) => write('error', message, fields),
};

/** Runs `work` with `fields` on every log line it writes, however deep the call. */
export function withLogFields<T>(fields: Fields, work: () => T): T {
  return scope.run({ ...scope.getStore(), ...fields }, work);
}
