// How a database failure is read by the callers that must decide what to do about it: the API
// (503 and try again, or a bug), and activities (retry until the database is back, or stop: the
// same statement will fail the same way however often it runs).

type Coded = { code?: unknown; errno?: unknown };

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error; e && codes.length < 10; e = (e as { cause?: unknown }).cause) {
    const { code } = e as Coded;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/**
 * Postgres' unique_violation (SQLSTATE 23505), wherever the driver or a transaction wrapper put it
 * in the cause chain: how a repository learns that the unique index, not a read, settled a race.
 */
export function isUniqueViolation(error: unknown): boolean {
  return codesOf(error).includes('23505');
}

/** postgres.js' own codes for a connection that could not be made or was lost, and the socket's. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
]);

/**
 * The database is not there right now (down, restarting, unreachable, out of connections): nothing
 * about the request is wrong, and the same statement will work once it is back.
 * SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, crash, starting up), 53300 (too
 * many connections), 40001/40P01 (serialization failure, deadlock: try again).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return codesOf(error).some((code) => CONNECTION_CODES.has(code) || code.startsWith('08')
    || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || code === '40001' || code === '40P01');
}

/**
 * The database refused the statement itself: bad data (class 22: a NUL byte, a value out of range,
 * text too long), a broken constraint (class 23), or a statement it cannot run (class 42). Running it
 * again changes nothing.
 */
export function isDatabaseRejection(error: unknown): boolean {
  return codesOf(error).some((code) => /^(22|23|42)[0-9A-Z]{3}$/.test(code));
}
