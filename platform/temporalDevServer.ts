import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/definitions.ts';

export interface DevServer {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

function cliTypeName(type: string): string {
  return type.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal server at ${address} did not start within ${timeoutMs} ms: ${String(lastError)}`);
}

/**
 * Starts `temporal server start-dev` with Relay's search attributes registered. We start it ourselves
 * (not through the SDK's helper) so we wait as long as a cold start needs.
 */
export async function startTemporalDevServer(opts: {
  cli: string;
  port?: number;
  uiPort?: number | null;
  dbFile?: string;
  logFile?: NodeJS.WritableStream;
  startTimeoutMs?: number;
}): Promise<DevServer> {
  const port = opts.port ?? await freePort();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  if (opts.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort ?? await freePort()));
  // Eager activity execution (off by default in server 1.29): an activity a workflow task schedules on
  // the worker's own task queue comes back in the answer to that task's completion when the worker has
  // a free slot, instead of a trip through matching and a poll (issue 13: the onboarding's draft and
  // handoff email). The production server's dynamic config says the same (config/temporal/dynamicconfig/relay.yaml).
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  if (opts.dbFile) {
    args.push('--db-filename', opts.dbFile, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  // The CLI names types in CamelCase (Keyword, Text, KeywordList); the SDK in CAPS (KEYWORD, TEXT, KEYWORD_LIST).
  for (const key of SEARCH_ATTRIBUTE_KEYS) args.push('--search-attribute', `${key.name}=${cliTypeName(key.type)}`);
  const child = spawn(opts.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (opts.logFile) {
    child.stdout?.pipe(opts.logFile, { end: false });
    child.stderr?.pipe(opts.logFile, { end: false });
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const address = `127.0.0.1:${port}`;
  const uiPortIndex = args.indexOf('--ui-port');
  const uiUrl = uiPortIndex >= 0 ? `http://localhost:${args[uiPortIndex + 1]}` : null;
  // If this process dies without stopping the server, do not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(forced);
  };
  try {
    await waitUntilServing(address, child, opts.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, uiUrl, stop };
}
