// A worker upgrade with accounts in flight (issue 15). Relay follows the patched() rule rather than
// worker versioning: every release's workers run every open run, so a change to workflow code is
// patched and replay-tested (test/workflowReplay.test.ts). Here the rule is shown end to end: runs
// started by the previous release's workflow code (bundled from git, the commit before the
// `local-first-step` patch) wait for their AE while that release's worker is stopped; today's worker
// takes the queue over and every account goes on, the old runs on their old path, new runs on the new.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateQuery } from '../workflows/definitions.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

/** The last commit whose account workflow predates patched('local-first-step'). */
const PREVIOUS_RELEASE = '6a129dc';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Inside the project, so the old code resolves @temporalio/* from this checkout's node_modules.
const OLD_CODE_DIR = join(ROOT, 'test-artifacts', `release-${PREVIOUS_RELEASE}`);

let h: Harness;
let previousBundle: { code: string };

beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  rmSync(OLD_CODE_DIR, { recursive: true, force: true });
  mkdirSync(OLD_CODE_DIR, { recursive: true });
  try {
    const archive = execFileSync('git', ['-C', ROOT, 'archive', PREVIOUS_RELEASE, 'workflows', 'domain'], { maxBuffer: 64 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', OLD_CODE_DIR], { input: archive });
  } catch (error) {
    throw new Error(`the previous release (${PREVIOUS_RELEASE}) is not in this clone's history: a shallow clone cannot show an upgrade`, { cause: error });
  }
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };
  previousBundle = await bundleWorkflowCode({ workflowsPath: join(OLD_CODE_DIR, 'workflows', 'index.ts'), logger: quiet });
}, 120_000);
afterAll(async () => {
  await h?.close();
  rmSync(OLD_CODE_DIR, { recursive: true, force: true });
});

async function create(org: TestOrganisation, name: string): Promise<{ id: string; workflowId: string }> {
  const res = await org.api('/api/accounts', { body: accountBody({ templateName: 'Quick Start', companyName: name }) });
  expect(res.status).toBe(201);
  return res.json() as Promise<{ id: string; workflowId: string }>;
}

async function handoffPath(org: TestOrganisation, accountId: string): Promise<string> {
  const link = await eventually(async () => {
    const res = await org.api(`/api/outbox?accountId=${accountId}`);
    const items = ((await res.json()) as { items: { kind: string; links: string[] }[] }).items;
    return items.find((e) => e.kind === 'handoff_link')?.links[0];
  }, { what: `the handoff link of ${accountId}` });
  return new URL(link).pathname;
}

/** What the run's history says about the upgrade: its first step's shape, and any workflow task that failed. */
async function historyFacts(workflowId: string) {
  const history = await h.deps.temporal.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  return {
    localActivities: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
    activitiesScheduled: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    failedWorkflowTasks: events.filter((e) => e.workflowTaskFailedEventAttributes).length,
  };
}

describe('a worker upgrade with accounts in flight', () => {
  it('hands runs of the previous release to today\'s worker: every account goes on, none jams', { timeout: 180_000 }, async () => {
    const org = await h.newOrganisation();
    const old = await h.startWorker({ workflowBundle: previousBundle });
    const before = [await create(org, 'Upgrade Before A'), await create(org, 'Upgrade Before B')];
    const beforeLinks = await Promise.all(before.map((a) => handoffPath(org, a.id)));
    // The release rolls: the old worker drains and stops; one account arrives while no worker runs.
    await old.stop();
    const during = await create(org, 'Upgrade During');
    await h.startWorker();
    const after = await create(org, 'Upgrade After');

    // The AEs answer: the old runs, now on today's code, take the handoff like any other.
    const csm = org.csms[0]!;
    for (const [i, account] of before.entries()) {
      const res = await h.app.request(beforeLinks[i]!, { method: 'POST', body: new URLSearchParams({ csmUserId: csm.id }) });
      expect(res.status, account.id).toBe(200);
    }
    for (const account of [during, after]) {
      const res = await h.app.request(await handoffPath(org, account.id), { method: 'POST', body: new URLSearchParams({ csmUserId: csm.id }) });
      expect(res.status, account.id).toBe(200);
    }
    for (const account of [...before, during, after]) {
      const state = await eventually(async () => {
        const s = await h.deps.temporal.workflow.getHandle(account.workflowId).query(stateQuery);
        return s.status === 'active' && s.milestones[0]?.status === 'in_progress' ? s : undefined;
      }, { what: `${account.id} active with its first milestone started` });
      expect(state.csm?.userId).toBe(csm.id);
      const view = await (await org.api(`/api/accounts/${account.id}`)).json() as { status: string; milestoneProgress: { total: number } };
      expect(view).toMatchObject({ status: 'active', milestoneProgress: { total: 2 } });
    }

    // The old runs kept their path (two ordinary activities first); the new ones took the new one.
    for (const account of before) {
      const facts = await historyFacts(account.workflowId);
      expect(facts.failedWorkflowTasks, account.id).toBe(0);
      expect(facts.localActivities, account.id).toBe(0);
    }
    for (const account of [during, after]) {
      const facts = await historyFacts(account.workflowId);
      expect(facts.failedWorkflowTasks, account.id).toBe(0);
      expect(facts.localActivities, account.id).toBe(1);
    }
  });
});
