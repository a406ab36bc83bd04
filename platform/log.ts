type Fields = Record<string, unknown>;

function write(level: 'info' | 'warn' | 'error', message: string, fields: Fields): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  if (level === 'error') process.stderr.write(`${line}\n`);
  else if (process.env.RELAY_LOG_QUIET !== 'true') process.stdout.write(`${line}\n`);
}

/** One JSON line per event; callers pass ids (orgId, accountId, workflowId), never secrets. */
export const log = {
  info: (message: string, fields: Fields = {}) => write('info', message, fields),
  warn: (message: string, fields: Fields = {}) => write('warn', message, fields),
  error: (message: string, fields: Fields = {}) => write('error', message, fields),
};
