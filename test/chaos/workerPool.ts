import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../platform/temporalCli.ts';

/**
 * worker.ts as child processes sharing one task queue, the way production runs them, so one can be
 * killed outright (SIGKILL: no shutdown, no goodbye to Temporal) and replaced while the other works on.
 */
export interface WorkerPool {
  /** Starts `count` workers and waits until each polls. */
  start(count: number): Promise<void>;
  /** SIGKILLs one running worker (the oldest) and starts its replacement; resolves when it polls. */
  killOneAndReplace(): Promise<{ pid: number; replacementReadyMs: number }>;
  running(): number;
  /** Workers that exited after they were polling without the pool killing them (a crash, a fatal poll error). */
  unexpectedExits: { name: string; code: number | null; signal: string | null; atMs: number }[];
  stopAll(): Promise<void>;
}

interface Child { name: string; process: ChildProcess; log: WriteStream; killedOnPurpose: boolean }

export function createWorkerPool(opts: { env: NodeJS.ProcessEnv; logDir: string; now: () => number; readyTimeoutMs?: number }): WorkerPool {
  const children: Child[] = [];
  const unexpectedExits: WorkerPool['unexpectedExits'] = [];
  let started = 0;
  let stopping = false;
  // Whatever happens to this process, no worker outlives it.
  const killAll = () => { for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL'); };
  process.once('exit', killAll);

  function spawnWorker(): Promise<Child> {
    const name = `worker-${++started}`;
    const log = createWriteStream(join(opts.logDir, `${name}.log`));
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker.ts')], {
      cwd: PROJECT_ROOT, env: { ...process.env, ...opts.env, RELAY_LOG_QUIET: 'false' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry: Child = { name, process: child, log, killedOnPurpose: false };
    children.push(entry);
    let ready = false;
    let seen = '';
    return new Promise<Child>((resolve, reject) => {
      const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
      const timer = setTimeout(() => {
        entry.killedOnPurpose = true;
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start polling within ${readyTimeoutMs} ms (see ${name}.log)`));
      }, readyTimeoutMs);
      child.stdout?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (ready) return;
        seen = (seen + chunk.toString()).slice(-20_000);
        if (seen.includes('"message":"worker started"')) {
          ready = true;
          clearTimeout(timer);
          resolve(entry);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
      // 'close' comes after the last output: only then may the log end.
      child.once('close', () => log.end());
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        children.splice(children.indexOf(entry), 1);
        if (entry.killedOnPurpose || stopping) return;
        if (!ready) {
          reject(new Error(`${name} exited (${code ?? signal}) before it was ready; see ${name}.log`));
          return;
        }
        unexpectedExits.push({ name, code, signal, atMs: opts.now() });
        // A supervisor's restart policy (compose: restart: unless-stopped): the pool stays at strength.
        spawnUntilReady().catch(() => {});
      });
    });
  }

  /** A worker that cannot start (Temporal restarting, say) exits; try again, as a supervisor would. */
  async function spawnUntilReady(): Promise<Child> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await spawnWorker();
      } catch (error) {
        if (attempt >= 5 || stopping) throw error;
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  }

  async function kill(entry: Child): Promise<void> {
    if (entry.process.exitCode !== null || entry.process.signalCode !== null) return;
    entry.killedOnPurpose = true;
    const exited = new Promise((r) => entry.process.once('exit', r));
    entry.process.kill('SIGKILL');
    await exited;
  }

  return {
    async start(count) {
      await Promise.all(Array.from({ length: count }, () => spawnWorker()));
    },
    async killOneAndReplace() {
      const victim = children[0];
      if (!victim) throw new Error('no worker to kill');
      const pid = victim.process.pid ?? -1;
      await kill(victim);
      const began = Date.now();
      await spawnUntilReady();
      return { pid, replacementReadyMs: Date.now() - began };
    },
    running: () => children.length,
    unexpectedExits,
    async stopAll() {
      stopping = true;
      await Promise.all([...children].map(kill));
      process.off('exit', killAll);
    },
  };
}
