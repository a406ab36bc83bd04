import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../platform/temporalDevServer.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ApiProcesses {
  /** Each process's base URL (`http://127.0.0.1:<port>`). */
  bases: string[];
  children: ChildProcess[];
  /** Their pids, whose CPU the benches read from /proc. */
  pids: number[];
}

/**
 * `count` API processes as production runs them (`npm run api`: api/server.ts, NODE_ENV=production),
 * each on its own port, with `env` (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, RELAY_SECRET…).
 * Answers once each answers /livez.
 */
export async function startApiProcesses(count: number, env: Record<string, string>): Promise<ApiProcesses> {
  const started: ApiProcesses = { bases: [], children: [], pids: [] };
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    // node --import tsx rather than the tsx binary, which would run the server in a child of its own (whose CPU we read).
    // BENCH_API_CPU_PROF_DIR: each API process writes a V8 CPU profile there when it exits (open it in Chrome's DevTools).
    const profile = process.env.BENCH_API_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_API_CPU_PROF_DIR}`] : [];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(ROOT, 'api', 'server.ts')], {
      cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', RELAY_LOG_QUIET: 'true' },
    });
    started.children.push(child);
    if (child.pid) started.pids.push(child.pid);
    started.bases.push(`http://127.0.0.1:${port}`);
  }
  const deadline = Date.now() + 60_000;
  for (const [i, base] of started.bases.entries()) {
    for (;;) {
      if (started.children[i]!.exitCode !== null) throw new Error(`API process ${i + 1} exited with ${started.children[i]!.exitCode} before it answered`);
      const ok = await fetch(`${base}/livez`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`API process ${i + 1} did not answer /livez within 60 s`);
      await sleep(200);
    }
  }
  return started;
}

/** SIGTERM (their graceful shutdown), SIGKILL after 10 s. */
export async function stopApiProcesses(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  })));
}
