/**
 * Postgres' unique_violation (SQLSTATE 23505), wherever the driver or a transaction wrapper put it
 * in the cause chain: how a repository learns that the unique index, not a read, settled a race.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
