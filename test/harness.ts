import { randomUUID } from 'node:crypto';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createSecretBox } from '../platform/secretBox.ts';
import { createApp } from '../api/app.tsx';
import type { AppDeps } from '../api/deps.ts';
import type { ActivityDeps } from '../activities/index.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { seedOrganisation, type SeededOrganisation } from '../db/seed/seedOrganisation.ts';
import { createRuleBasedDrafter } from '../integrations/drafting/ruleBasedDrafter.ts';
import { createDevOutboxMailer } from '../integrations/email/mailer.ts';
import { connectTemporal } from '../platform/temporalClient.ts';
import { createRelayWorker, WORKFLOWS_PATH } from '../worker.ts';
import type { OrganisationSettings } from '../db/schema/index.ts';

export const TEST_PUBLIC_URL = 'http://relay.test';
export const TEST_TOKEN_SECRET = 'test-secret-for-handoff-tokens-0123456789';

// The SDK logs every worker state change at INFO; tests want only problems.
Runtime.install({ logger: new DefaultLogger('WARN') });

let bundle: Promise<{ code: string }> | null = null;
/** Bundling the workflows takes seconds: once per test file. */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } });
  return bundle;
}

export interface Harness {
  database: DatabaseHandle;
  deps: AppDeps;
  activityDeps: ActivityDeps;
  taskQueue: string;
  connection: NativeConnection;
  app: ReturnType<typeof createApp>;
  /** A worker on the file's queue; `workflowBundle` runs other workflow code (a previous release's, say). */
  startWorker(options?: { workflowBundle?: { code: string } }): Promise<RunningWorker>;
  /** The workers running now (a test may stop one to take the queue's workers away). */
  running(): RunningWorker[];
  /**
   * Runs `work` while a worker polls the task queue, starting one for the duration when none is
   * running (sign-in emails come from a workflow run, so signing in needs a worker). A file that
   * runs without a worker gets its account runs advanced meanwhile, if it has any waiting.
   */
  whileWorkerRuns<T>(work: () => Promise<T>): Promise<T>;
  newOrganisation(settings?: Partial<OrganisationSettings>): Promise<TestOrganisation>;
  close(): Promise<void>;
}

export interface RunningWorker { worker: Worker; stop(): Promise<void> }

export interface TestOrganisation extends SeededOrganisation {
  api(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

/** Real Postgres, real Temporal dev server, the real app and worker; a task queue of its own per file. */
export async function createHarness(opts: {
  historyLimit?: number; startWorker?: boolean;
  /** Replaces the dev-outbox mailer / rule-based drafter (e.g. real SDKs pointed at test/fakes). */
  activityDeps?: Partial<Pick<ActivityDeps, 'mailer' | 'drafter' | 'draftRetryDelayMs' | 'accountCommitGraceMs' | 'hubspotBaseUrl' | 'notionBaseUrl'>>;
  /** Another (migrated) database than the run's shared one: a test's own server, for outages. */
  databaseUrl?: string;
  updateTimeouts?: AppDeps['updateTimeouts'];
} = {}): Promise<Harness> {
  const database = await openDatabase({ url: opts.databaseUrl ?? inject('databaseUrl'), dataDir: '.data', max: 5 });
  const address = inject('temporalAddress');
  const { connection: clientConnection, client } = await connectTemporal(address, 'default');
  const connection = await NativeConnection.connect({ address });
  const taskQueue = `test-${randomUUID()}`;
  const activityDeps: ActivityDeps = {
    db: database.db, mailer: createDevOutboxMailer(), drafter: createRuleBasedDrafter(),
    publicUrl: TEST_PUBLIC_URL, tokenSecret: TEST_TOKEN_SECRET, ...opts.activityDeps,
  };
  const deps: AppDeps = {
    db: database.db, temporal: client, taskQueue, namespace: 'default', temporalUiUrl: 'http://temporal-ui.test',
    devOutbox: activityDeps.mailer.provider === 'dev-outbox',
    mailer: activityDeps.mailer, publicUrl: TEST_PUBLIC_URL, secureCookies: false, secretBox: createSecretBox(TEST_TOKEN_SECRET),
    ...(activityDeps.hubspotBaseUrl ? { hubspotBaseUrl: activityDeps.hubspotBaseUrl } : {}),
    ...(activityDeps.notionBaseUrl ? { notionBaseUrl: activityDeps.notionBaseUrl } : {}),
    // In-process requests share one client address; the limiter has its own test.
    handoffRateLimit: { limit: 100_000, windowMs: 60_000 },
    signInRateLimit: { limit: 100_000, windowMs: 60_000 },
    checkReadiness: async () => ({ database: true, temporal: true, workers: true }),
    ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}),
    ...(opts.updateTimeouts ? { updateTimeouts: opts.updateTimeouts } : {}),
  };
  const app = createApp(deps);
  const running: RunningWorker[] = [];

  async function startWorker(options: { workflowBundle?: { code: string } } = {}): Promise<RunningWorker> {
    const worker = await createRelayWorker({
      connection, namespace: 'default', taskQueue, activityDeps, workflowBundle: options.workflowBundle ?? await workflowBundle(),
    });
    const done = worker.run();
    const handle = {
      worker,
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done;
        running.splice(running.indexOf(handle), 1);
      },
    };
    running.push(handle);
    return handle;
  }

  if (opts.startWorker !== false) await startWorker();

  async function whileWorkerRuns<T>(work: () => Promise<T>): Promise<T> {
    if (running.length) return work();
    const temporary = await startWorker();
    try {
      return await work();
    } finally {
      await temporary.stop();
    }
  }

  return {
    database, deps, activityDeps, taskQueue, connection, app, startWorker, whileWorkerRuns, running: () => [...running],
    async newOrganisation(settings) {
      const suffix = randomUUID().slice(0, 8);
      const seeded = await seedOrganisation(database.db, {
        name: `Test Org ${suffix}`, slug: `test-${suffix}`,
        admin: { email: `admin-${suffix}@relay.test`, name: 'Ada Admin' },
        csms: [
          { email: `casey-${suffix}@relay.test`, name: 'Casey CSM' },
          { email: `robin-${suffix}@relay.test`, name: 'Robin CSM' },
          { email: `sam-${suffix}@relay.test`, name: 'Sam CSM' },
        ],
        ...(settings ? { settings } : {}),
      });
      return {
        ...seeded,
        api: (path, init = {}) => Promise.resolve(app.request(path, {
          method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
          headers: { authorization: `Bearer ${seeded.apiKey}`, 'content-type': 'application/json', ...init.headers },
          ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
        })),
      };
    },
    async close() {
      for (const w of [...running]) await w.stop();
      await connection.close();
      await clientConnection.close();
      await database.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails with what it saw last. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${opts.what ?? 'a condition'}${last ? `: ${String(last)}` : ''}`);
}

let counter = 0;
/** A valid account body with a company domain unique to this call. */
export function accountBody(overrides: Record<string, unknown> = {}) {
  const slug = `${randomUUID().slice(0, 8)}-${++counter}`;
  return {
    companyName: `Initech ${slug}`,
    arr: 120_000,
    closeDate: '2026-11-01',
    primaryContactName: 'Peter Gibbons',
    primaryContactEmail: `peter@initech-${slug}.example`,
    primaryContactRole: 'VP Operations',
    website: `https://www.initech-${slug}.example`,
    aeEmail: 'ae@relay.test',
    templateName: 'Standard SaaS Onboarding',
    rawPayload: 'Goal: replace spreadsheets for TPS reports. Risk: the team worries about SSO rollout. Go-live by end of Q1.',
    ...overrides,
  };
}

/**
 * What a CSM does before completing a milestone whose playbook has blockers: skips each open one
 * (with a reason), so the milestone may complete. Tests about milestones, not about the playbook.
 */
export async function skipOpenBlockers(org: TestOrganisation, accountId: string, milestoneId: string): Promise<void> {
  const res = await org.api(`/api/accounts/${accountId}/actions`);
  const { items } = await res.json() as { items: { actionId: string; milestoneId: string; blocker: boolean; status: string }[] };
  for (const a of items.filter((i) => i.milestoneId === milestoneId && i.blocker && !['executed', 'completed', 'skipped'].includes(i.status))) {
    const skipped = await org.api(`/api/accounts/${accountId}/actions/${encodeURIComponent(a.actionId)}/skip`, { body: { reason: 'not part of this test' } });
    if (skipped.status !== 200) throw new Error(`could not skip blocker ${a.actionId}: ${skipped.status} ${await skipped.text()}`);
  }
}

/**
 * An account created through the API and handed off by its AE to Casey CSM: active, its first
 * milestone in progress. Answers its ID and the company domain it was created with.
 */
export async function handedOffAccount(h: Harness, org: TestOrganisation, overrides: Record<string, unknown> = {}): Promise<{ id: string; domain: string }> {
  const body = accountBody(overrides);
  const created = await org.api('/api/accounts', { body });
  if (created.status !== 201) throw new Error(`could not create the account: ${created.status} ${await created.text()}`);
  const { id } = await created.json() as { id: string };
  const email = await eventually(async () => {
    const res = await org.api(`/api/outbox?accountId=${id}`);
    return ((await res.json()) as { items: { kind: string; links: string[] }[] }).items.find((e) => e.kind === 'handoff_link');
  }, { what: 'the handoff email' });
  const casey = org.csms.find((c) => c.name === 'Casey CSM')!;
  const submitted = await h.app.request(new URL(email.links[0]!).pathname, { method: 'POST', body: new URLSearchParams({ csmUserId: casey.id }) });
  if (submitted.status !== 200) throw new Error(`the handoff was not taken: ${submitted.status}`);
  await eventually(async () => ((await (await org.api(`/api/accounts/${id}`)).json()) as { status: string }).status === 'active', { what: 'the account to be active' });
  return { id, domain: new URL(body.website as string).hostname.replace(/^www\./, '') };
}
