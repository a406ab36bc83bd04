import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The Temporal CLI to run the dev server with: TEMPORAL_CLI_PATH, else the one scripts/ensure-temporal.sh
 * built into .tools/bin, else `temporal` on PATH; null when there is none (the SDK then downloads one).
 */
export function findTemporalCli(): string | null {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) return explicit;
  const built = join(process.env.RELAY_TOOLS_DIR ?? join(PROJECT_ROOT, '.tools'), 'bin', 'temporal');
  if (existsSync(built)) return built;
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  return onPath.status === 0 && onPath.stdout.trim() ? onPath.stdout.trim() : null;
}
