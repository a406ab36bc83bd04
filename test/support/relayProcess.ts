import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../platform/temporalCli.ts';
import { TEST_PUBLIC_URL, TEST_TOKEN_SECRET } from '../harness.ts';

/** A port nothing listens on right now (the dev server's helper). */
export { freePort } from '../../platform/temporalDevServer.ts';

export interface RelayProcess {
  child: ChildProcess;
  /** Every JSON log line it wrote so far (stdout and stderr), parsed; other lines as { raw }. */
  lines(): Record<string, unknown>[];
  /** Resolves with the first log line whose message is `message`. */
  waitForLine(message: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) once it exits. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

/** worker.ts or api/server.ts as its own process, the way production runs them, against the test run's Postgres and Temporal. */
export function startRelayProcess(entry: 'worker.ts' | 'api/server.ts', env: Record<string, string>): RelayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, entry)], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'),
      RELAY_SECRET: TEST_TOKEN_SECRET, RELAY_PUBLIC_URL: TEST_PUBLIC_URL, RELAY_LOG_QUIET: 'false', NODE_ENV: 'test',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const parsed: Record<string, unknown>[] = [];
  const waiters: { message: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let output = '';
  const take = (chunk: Buffer) => {
    output += chunk.toString();
    let newline: number;
    while ((newline = output.indexOf('\n')) >= 0) {
      const text = output.slice(0, newline);
      output = output.slice(newline + 1);
      let line: Record<string, unknown>;
      try { line = JSON.parse(text) as Record<string, unknown>; } catch { line = { raw: text }; }
      parsed.push(line);
      for (const w of [...waiters]) {
        if (line.message === w.message) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
      }
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child, exited,
    lines: () => [...parsed],
    kill: (signal) => { if (child.exitCode === null && child.signalCode === null) child.kill(signal); },
    waitForLine(message, timeoutMs = 120_000) {
      const seen = parsed.find((l) => l.message === message);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${message}" line within ${timeoutMs} ms; it wrote:\n${parsed.map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
        void exited.then((code) => reject(new Error(`${entry} exited (${code}) before "${message}"; it wrote:\n${parsed.map((l) => JSON.stringify(l)).join('\n')}`)));
        waiters.push({ message, resolve: (line) => { clearTimeout(timer); resolve(line); } });
      });
    },
  };
}

/** The value of one sample (`name{labels} value`) in a Prometheus exposition, or undefined. */
export function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}
