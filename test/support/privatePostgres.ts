import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../platform/temporalDevServer.ts';

/**
 * A PostgreSQL server of the test's own, on a free port, that the test may stop and start at will
 * (database outages); the machine's shared server on 5432 is never touched. Runs as the `postgres`
 * user when the test runs as root (initdb refuses root).
 */
export interface PrivatePostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return join(root, version, 'bin');
}

const asRoot = process.getuid?.() === 0;

function postgresUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'relay-pg-'));
  const dataDir = join(dir, 'data');
  const user = asRoot ? postgresUser() : null;
  if (user) { chownSync(dir, user.uid, user.gid); chmodSync(dir, 0o700); }
  const run = (file: string, args: string[]) => execFileSync(join(bin, file), args, { stdio: 'pipe', ...(user ? { uid: user.uid, gid: user.gid } : {}) });
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    child = spawn(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], {
      stdio: 'ignore', ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`private postgres on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    // Immediate shutdown: every client connection is cut, as in a crash or a network partition.
    running.kill('SIGQUIT');
    await exited;
    child = null;
  }

  await start();
  const killOnExit = () => { child?.kill('SIGKILL'); };
  process.once('exit', killOnExit);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      process.off('exit', killOnExit);
      await stop();
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
