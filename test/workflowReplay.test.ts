// Replays every recorded history in test/histories/ against today's workflow code. A change that
// makes the workflow issue different commands for the same history (an activity, timer or search
// attribute upsert added, removed or moved without patched()) fails here, naming the path, instead
// of failing every run in flight after a deploy. Replay runs in this process: no Temporal server.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type ReplayResult } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { historyFromJSON } from './historyJson.ts';

// The same entry point as worker.ts's WORKFLOWS_PATH, without loading the worker's activities.
const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

// One history per workflow path at least (npm run histories:record); later recordings sit beside them.
const PATHS = [
  'accountLifecycle-handed-off', 'accountLifecycle-reminded-escalated', 'accountLifecycle-at-risk',
  'accountLifecycle-completed', 'accountLifecycle-churned', 'accountLifecycle-churned-before-handoff',
  'accountLifecycle-continued-as-new-run1', 'accountLifecycle-continued-as-new-run2',
  'bulkImport-continued-as-new-run1', 'bulkImport-continued-as-new-run2',
  'sendSignInLinks-sent',
  'reconcileAccounts-restarted', 'accountLifecycle-restarted-by-reconciler',
  'healthScoring-run', 'accountLifecycle-health-moved',
  'hubspotDeal-created', 'connectorSync-found', 'hubspotBackfill-done', 'connectorSync-notion', 'accountLifecycle-playbook',
  'hubspotDeal-prefetched', 'hubspotBackfill-bulk',
  'accountLifecycle-playbook-ai-draft',
  'accountLifecycle-renamed',
];

// The replay worker reports a non-determinism as a WARN log as well as in its result.
Runtime.install({ logger: new DefaultLogger('ERROR') });

let workflowBundle: { code: string };
beforeAll(async () => {
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };
  workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
});

describe('recorded workflow histories', () => {
  it('cover every lifecycle path', () => {
    const recorded = new Set(files.map((f) => f.replace(/(\.[^.]+)?\.json$/, '')));
    expect(PATHS.filter((path) => !recorded.has(path))).toEqual([]);
  });

  it.each(files)('%s replays against today\'s workflow code', async (file) => {
    const json = JSON.parse(readFileSync(`${HISTORIES_DIR}${file}`, 'utf8')) as { events: { workflowExecutionStartedEventAttributes?: { workflowId?: string } }[] };
    // Workflow code reads its ID (activity keys), so replay under the recorded one.
    const workflowId = json.events[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? file;
    const history = historyFromJSON(json);
    const results: ReplayResult[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: file }, [{ workflowId, history }])) results.push(result);
    expect(results).toHaveLength(1);
    const error = results[0]!.error;
    if (error) expect.fail(`${file} no longer replays against today's code (${error.name}): ${error.message}`);
  });
});
