/**
 * A benchmark's whole-number setting from the environment (`fallback` when unset or empty); anything
 * else than a whole number ≥ `min` stops the benchmark with the setting named.
 */
export function intSetting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} must be a whole number ≥ ${min} (got ${raw})`);
    process.exit(2);
  }
  return value;
}
