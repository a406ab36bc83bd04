import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or those whose name contains one of the
 * arguments) one after another, each in its own process so one benchmark's pools and caches never
 * colour the next one's figures. The environment (DATABASE_URL, …) passes through.
 */
const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
const filters = process.argv.slice(2);

const benches = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => !filters.length || filters.some((name) => f.includes(name)));
if (!benches.length) {
  console.error(`no benchmark matches ${filters.join(', ') || '(any)'} in ${here}`);
  process.exit(1);
}

function run(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [join(here, file)], { stdio: 'inherit', env: process.env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const failed: string[] = [];
for (const file of benches) {
  console.log(`\n▶ ${file}`);
  const started = Date.now();
  const code = await run(file);
  console.log(`${code === 0 ? '✓' : '✗'} ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (code !== 0) failed.push(file);
}
if (failed.length) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
