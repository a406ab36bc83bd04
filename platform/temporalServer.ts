// A real Temporal server (not the CLI's start-dev) on Postgres, for `npm run cluster` and
// scripts/test-cluster.sh: the binaries (scripts/ensure-temporal-server.sh), its two databases and
// their schema, the server itself from config/temporal/relay.yaml, the `default` namespace with
// Relay's search attributes, and the Web UI. docker-compose.yml runs the same config and steps
// with the official images.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import postgres from 'postgres';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/definitions.ts';
import { startManagedProcess, type ManagedProcess } from './processGroup.ts';
import { PROJECT_ROOT } from './temporalCli.ts';
import { ensureSearchAttributes } from './temporalClient.ts';
import { waitUntilServing } from './temporalDevServer.ts';

/** Under PROJECT_ROOT: the server's config template (and, below it, the UI's). */
const SERVER_CONFIG_DIR = 'config/temporal';
const UI_CONFIG_DIR = 'config/temporal/ui';
/** Renders config/temporal/relay.yaml (the file name is the server's `--env`). */
const CONFIG_ENV = 'relay';

export interface TemporalServerTools {
  serverBin: string;
  sqlTool: string;
  /** …/schema/postgresql/v12, holding temporal/versioned and visibility/versioned. */
  schemaDir: string;
  uiServerBin: string | null;
}

/** Builds or finds the server, the SQL tool (and with `ui`, the Web UI server): scripts/ensure-temporal-server.sh. */
export function ensureTemporalServerTools(opts: { ui: boolean }): TemporalServerTools {
  const script = join(PROJECT_ROOT, 'scripts/ensure-temporal-server.sh');
  const found = spawnSync('sh', [script, ...(opts.ui ? ['--ui'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (found.status !== 0) throw new Error(`${script} failed (exit ${found.status ?? found.signal}): see above`);
  const values = new Map(found.stdout.split('\n').filter((line) => line.includes('=')).map((line) => {
    const at = line.indexOf('=');
    return [line.slice(0, at), line.slice(at + 1)] as const;
  }));
  const required = (key: string) => {
    const value = values.get(key);
    if (!value) throw new Error(`${script} printed no ${key}`);
    return value;
  };
  return {
    serverBin: required('TEMPORAL_SERVER_BIN'), sqlTool: required('TEMPORAL_SQL_TOOL'), schemaDir: required('TEMPORAL_SCHEMA_DIR'),
    uiServerBin: values.get('TEMPORAL_UI_SERVER_BIN') ?? null,
  };
}

/**
 * The server's ports, all derived from the frontend's so one number moves a whole cluster: the
 * standard layout around 7233 (history 7234, matching 7235, worker 7239, frontend HTTP 7243,
 * membership 6933–6939, Prometheus 8000), shifted by the same amount.
 */
export interface TemporalServerPorts {
  frontend: number; frontendHttp: number; history: number; matching: number; worker: number;
  frontendMembership: number; historyMembership: number; matchingMembership: number; workerMembership: number;
  metrics: number;
}

const MAX_FRONTEND_PORT = 32_767 + 294;

export function temporalServerPorts(frontend: number): TemporalServerPorts {
  // Membership ports sit 300 below and are stored in a smallint column (cluster_membership): ≤ 32767.
  if (!Number.isInteger(frontend) || frontend < 1324 || frontend > MAX_FRONTEND_PORT) {
    throw new Error(`TEMPORAL_PORT=${frontend}: the cluster needs it between 1324 and ${MAX_FRONTEND_PORT} (its membership ports sit 300 below, stored as a smallint by Temporal)`);
  }
  return {
    frontend, history: frontend + 1, matching: frontend + 2, worker: frontend + 6, frontendHttp: frontend + 10,
    frontendMembership: frontend - 300, historyMembership: frontend - 299, matchingMembership: frontend - 298, workerMembership: frontend - 294,
    metrics: frontend + 767,
  };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Fails naming the ports another process holds, before the server fails on them less clearly. */
export async function checkPortsFree(ports: Record<string, number>): Promise<void> {
  const taken: string[] = [];
  for (const [name, port] of Object.entries(ports)) if (!(await portIsFree(port))) taken.push(`${name} ${port}`);
  if (taken.length) throw new Error(`ports in use: ${taken.join(', ')} (another Temporal server? set TEMPORAL_PORT to move them all)`);
}

/** A frontend port whose whole layout is free (scratch clusters for tests). */
export async function freeTemporalServerPorts(): Promise<TemporalServerPorts> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const ports = temporalServerPorts(20_000 + Math.floor(Math.random() * (MAX_FRONTEND_PORT - 20_000)));
    let free = true;
    for (const port of Object.values(ports)) if (!(await portIsFree(port))) { free = false; break; }
    if (free) return ports;
  }
  throw new Error('no free port layout for a Temporal server found in 50 tries');
}

/** Where Temporal's two databases live: the Postgres server (and credentials) of Relay's DATABASE_URL. */
export interface TemporalDatabases {
  host: string; port: number; user: string; password: string;
  /** History, executions, tasks, namespaces. */
  main: string;
  /** Workflow lists and search attributes (SQL visibility). */
  visibility: string;
}

export function temporalDatabasesBeside(databaseUrl: string, mainName: string): TemporalDatabases {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname, port: Number(url.port || 5432),
    user: decodeURIComponent(url.username), password: decodeURIComponent(url.password),
    main: mainName, visibility: `${mainName}_visibility`,
  };
}

function databaseUrl(dbs: TemporalDatabases, name: string): string {
  const url = new URL('postgres://localhost');
  url.hostname = dbs.host;
  url.port = String(dbs.port);
  url.username = dbs.user;
  url.password = dbs.password;
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(dbs: TemporalDatabases, database: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(databaseUrl(dbs, database), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Creates the database of `url` on its server unless it exists (Relay's own database for the cluster). */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.slice(1));
  parsed.pathname = '/postgres';
  const sql = postgres(parsed.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [row] = await sql`select 1 as present from pg_database where datname = ${name}`;
    if (row) return false;
    // Names come from the operator's own DATABASE_URL; quoting is enough.
    await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`);
    return true;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

interface ToolRun { code: number | null; output: string }

function runTool(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/**
 * Creates Temporal's two databases if missing and brings their schema to the version the server
 * binary ships, with Temporal's own SQL tool: `create` (an existing database is fine),
 * `setup-schema -v 0.0` only while the database has no schema_version table yet (it would reset the
 * recorded version otherwise), then `update-schema` over the versioned folder on every run, which
 * applies whatever a newer server brought and nothing else. Idempotent; returns what it did.
 */
export async function migrateTemporalDatabases(tools: TemporalServerTools, dbs: TemporalDatabases): Promise<string[]> {
  // The password goes through the environment, never the command line (visible in `ps`).
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    SQL_PLUGIN: 'postgres12', SQL_HOST: dbs.host, SQL_PORT: String(dbs.port), SQL_USER: dbs.user, SQL_PASSWORD: dbs.password,
  };
  const sqlTool = async (database: string, args: string[], tolerate?: RegExp): Promise<void> => {
    const run = await runTool(tools.sqlTool, ['--db', database, ...args], env);
    if (run.code === 0 || tolerate?.test(run.output)) return;
    throw new Error(`temporal sql tool ${args[0]} on ${database} failed (exit ${run.code}):\n${run.output.trim()}`);
  };
  const done: string[] = [];
  for (const [database, kind] of [[dbs.main, 'temporal'], [dbs.visibility, 'visibility']] as const) {
    const existed = await withAdmin(dbs, 'postgres', async (sql) => (await sql`select 1 from pg_database where datname = ${database}`).length > 0);
    // The 1.29 tool treats an existing database as success itself; older ones said "already exists".
    await sqlTool(database, ['create'], /already exists/);
    if (!existed) done.push(`created ${database}`);
    const versioned = await withAdmin(dbs, database, async (sql) => {
      const [row] = await sql<{ present: boolean }[]>`select to_regclass('public.schema_version') is not null as present`;
      return row?.present ?? false;
    });
    if (!versioned) {
      await sqlTool(database, ['setup-schema', '-v', '0.0']);
      done.push(`set up ${database}`);
    }
    await sqlTool(database, ['update-schema', '-d', join(tools.schemaDir, kind, 'versioned')]);
    const version = await withAdmin(dbs, database, async (sql) => {
      const [row] = await sql<{ curr_version: string }[]>`select curr_version from schema_version limit 1`;
      return row?.curr_version ?? '?';
    });
    done.push(`${database} at schema ${version}`);
  }
  return done;
}

/** Drops both databases (scratch clusters: scripts/test-cluster.sh). */
export async function dropTemporalDatabases(dbs: TemporalDatabases): Promise<void> {
  await withAdmin(dbs, 'postgres', async (sql) => {
    for (const name of [dbs.main, dbs.visibility]) await sql.unsafe(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  });
}

/** The variables config/temporal/relay.yaml reads (the official image's names). */
function serverConfigEnv(dbs: TemporalDatabases, ports: TemporalServerPorts, opts: { historyShards: number; logLevel: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH, HOME: process.env.HOME,
    LOG_LEVEL: opts.logLevel, NUM_HISTORY_SHARDS: String(opts.historyShards),
    POSTGRES_SEEDS: dbs.host, DB_PORT: String(dbs.port), POSTGRES_USER: dbs.user, POSTGRES_PWD: dbs.password,
    DBNAME: dbs.main, VISIBILITY_DBNAME: dbs.visibility,
    BIND_ON_IP: '127.0.0.1', TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(ports.frontend), FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    HISTORY_GRPC_PORT: String(ports.history), MATCHING_GRPC_PORT: String(ports.matching), WORKER_GRPC_PORT: String(ports.worker),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership), HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership), WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    PROMETHEUS_ENDPOINT: `127.0.0.1:${ports.metrics}`,
    DYNAMIC_CONFIG_FILE_PATH: join(PROJECT_ROOT, SERVER_CONFIG_DIR, 'dynamicconfig', `${CONFIG_ENV}.yaml`),
  };
}

export interface RunningTemporalServer { address: string; metricsUrl: string; process: ManagedProcess }

/**
 * Renders the config template (to `renderedConfigFile`, passwords masked by the server: what ops
 * read when something is off), starts all four services in one process, and waits until the
 * frontend answers.
 */
export async function startTemporalServer(opts: {
  tools: TemporalServerTools; dbs: TemporalDatabases; ports: TemporalServerPorts;
  logFile: string; renderedConfigFile: string; historyShards?: number; logLevel?: string; startTimeoutMs?: number;
}): Promise<RunningTemporalServer> {
  const env = serverConfigEnv(opts.dbs, opts.ports, { historyShards: opts.historyShards ?? 4, logLevel: opts.logLevel ?? 'info' });
  const base = ['--root', PROJECT_ROOT, '--config', SERVER_CONFIG_DIR, '--env', CONFIG_ENV];
  const rendered = await runTool(opts.tools.serverBin, [...base, 'render-config'], env);
  if (rendered.code !== 0) throw new Error(`config/temporal/${CONFIG_ENV}.yaml does not render:\n${rendered.output.trim()}`);
  writeFileSync(opts.renderedConfigFile, rendered.output, { mode: 0o600 });

  // No authorizer: the frontend listens on 127.0.0.1 only (compose keeps it on its own network).
  const server = startManagedProcess('temporal-server', opts.tools.serverBin, [...base, '--allow-no-auth', 'start'], {
    cwd: PROJECT_ROOT, env, logFile: opts.logFile,
  });
  const address = `127.0.0.1:${opts.ports.frontend}`;
  try {
    await waitUntilServing(address, server.child, opts.startTimeoutMs ?? 120_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { address, metricsUrl: `http://127.0.0.1:${opts.ports.metrics}/metrics`, process: server };
}

async function retryFor<T>(ms: number, what: string, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not succeed within ${ms} ms: ${error instanceof Error ? error.message : String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** gRPC status ALREADY_EXISTS. */
const ALREADY_EXISTS = 6;

/**
 * Registers the namespace unless it exists, then Relay's search attributes (the same list the dev
 * server gets as flags), and waits until a visibility query over them is accepted: a fresh namespace
 * reaches the frontend's cache a moment after it is written, and the first workflow start must not
 * race it.
 */
export async function ensureNamespaceReady(address: string, namespace: string, opts: { retentionDays?: number; timeoutMs?: number } = {}): Promise<'created' | 'existed'> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const connection = await Connection.connect({ address });
  try {
    const outcome = await retryFor(timeoutMs, `registering namespace ${namespace}`, async () => {
      try {
        await connection.workflowService.registerNamespace({
          namespace, workflowExecutionRetentionPeriod: msToTs(`${opts.retentionDays ?? 7} days`),
          description: 'Relay (npm run cluster)',
        });
        return 'created' as const;
      } catch (error) {
        if (isGrpcServiceError(error) && error.code === ALREADY_EXISTS) return 'existed' as const;
        throw error;
      }
    });
    await retryFor(timeoutMs, `search attributes on ${namespace}`, () => ensureSearchAttributes(connection, namespace));
    const probe = SEARCH_ATTRIBUTE_KEYS.filter((key) => key.type === 'KEYWORD' || key.type === 'TEXT')
      .map((key) => `${key.name} = "probe"`).join(' AND ');
    await retryFor(timeoutMs, `a visibility query on ${namespace}`, () => connection.workflowService.countWorkflowExecutions({ namespace, query: probe }));
    return outcome;
  } finally {
    await connection.close();
  }
}

export interface RunningTemporalUi { url: string; process: ManagedProcess }

/** The Web UI server (config/temporal/ui/relay.yaml) in front of `address`, on `url`'s port. */
export async function startTemporalUi(opts: { bin: string; address: string; url: string; logFile: string; startTimeoutMs?: number }): Promise<RunningTemporalUi> {
  const url = new URL(opts.url);
  const port = Number(url.port || 80);
  await checkPortsFree({ 'Web UI': port });
  const host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname;
  const ui = startManagedProcess('temporal-ui', opts.bin, ['--root', PROJECT_ROOT, '--config', UI_CONFIG_DIR, '--env', CONFIG_ENV, 'start'], {
    cwd: PROJECT_ROOT, logFile: opts.logFile,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: opts.address, TEMPORAL_UI_PORT: String(port), TEMPORAL_UI_IP: host },
  });
  const local = `http://${host}:${port}/`;
  try {
    await retryFor(opts.startTimeoutMs ?? 30_000, `the Web UI at ${local}`, async () => {
      if (ui.child.exitCode !== null) throw new Error(`temporal-ui exited with code ${ui.child.exitCode}`);
      const response = await fetch(local);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    });
  } catch (error) {
    await ui.stop();
    throw error;
  }
  return { url: opts.url.replace(/\/$/, ''), process: ui };
}
