// Records the workflow histories that test/workflowReplay.test.ts replays against today's code.
// Each path is driven for real — a Temporal dev server, a scratch Postgres database, the app and the
// worker, as in the tests — and every run's history is saved as JSON in test/histories/.
//
//   npm run histories:record                          every path; never overwrites a recorded file
//   npm run histories:record -- at-risk --tag sso     one path, saved as accountLifecycle-at-risk.sso.json
//   npm run histories:record -- --list                the paths
//   npm run histories:record -- --out /tmp/histories  somewhere else (a dry run)
//   --force overwrites a recorded file (only for one recorded by mistake, never yet committed)
//
// Old histories stay: they are the runs already in flight in production that new code must replay.
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { createApp } from '../api/app.tsx';
import type { AppDeps } from '../api/deps.ts';
import type { ActivityDeps } from '../activities/index.ts';
import { openDatabase } from '../db/client.ts';
import type { OrganisationSettings } from '../db/schema/index.ts';
import { dropDatabase, recreateDatabase } from '../db/scratchDatabase.ts';
import { seedOrganisation, type SeededOrganisation } from '../db/seed/seedOrganisation.ts';
import { createRuleBasedDrafter } from '../integrations/drafting/ruleBasedDrafter.ts';
import { createDevOutboxMailer } from '../integrations/email/mailer.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { startTemporalDevServer, type DevServer } from '../platform/temporalDevServer.ts';
import { connectTemporal, ensureSearchAttributes } from '../platform/temporalClient.ts';
import { strandedRunsQuery } from '../services/accountRuns.ts';
import { confirmImport } from '../services/imports/confirmImport.ts';
import { signInEmailHash } from '../services/signInLinks.ts';
import { bulkImportWorkflowId } from '../workflows/bulkImportDefinitions.ts';
import { healthChangedSignal, type ReconcileAccountsWorkflow } from '../workflows/definitions.ts';
import { healthRunIdPrefix, type HealthScoringWorkflow } from '../workflows/healthDefinitions.ts';
import {
  connectorScheduleId, hubspotBackfillWorkflowId, hubspotDealWorkflowId, type ConnectorSyncWorkflow, type HubSpotBackfillWorkflow,
} from '../workflows/connectorDefinitions.ts';
import { connectHubSpot } from '../services/connectors/hubspot.ts';
import { connectNotion } from '../services/connectors/notion.ts';
import { startNotionFake } from './fakes/notionFake.ts';
import { createSecretBox } from '../platform/secretBox.ts';
import { dealStageWebhookBody, signWebhook, startHubSpotFake } from './fakes/hubspotFake.ts';
import { createRelayWorker, WORKFLOWS_PATH } from '../worker.ts';
import { historyToJSON } from './historyJson.ts';

const HISTORIES_DIR = join(PROJECT_ROOT, 'test', 'histories');

/** A history to save: the file name (without .json) and the run it comes from. */
interface Recording { name: string; workflowId: string; runId: string }

interface Ctx {
  client: Client;
  taskQueue: string;
  app: ReturnType<typeof createApp>;
  /** The same app, but its accounts continue as new after this many history events. */
  appWithHistoryLimit(limit: number): ReturnType<typeof createApp>;
  confirmImport(orgId: string, importId: string, opts: { batchSize: number; batchesPerRun: number }): Promise<void>;
  newOrganisation(settings?: Partial<OrganisationSettings>): Promise<Org>;
  /** Handoff tokens seen in emails: checked, like the API keys, to be absent from every history. */
  secrets: Set<string>;
  /** A HubSpot portal (test/fakes/hubspotFake.ts) the worker's HubSpot SDK talks to. */
  hubspot: HubSpotFake;
  /** Connects the organisation to that portal (services/connectors/hubspot.ts), sealed with the recorder's secret. */
  connectHubSpot(orgId: string): Promise<{ connectionId: string; clientSecret: string }>;
  /** A Notion workspace (test/fakes/notionFake.ts) with one database of closed deals, and a connection to it. */
  notion: NotionFake;
  connectNotion(orgId: string, databaseId: string): Promise<{ connectionId: string }>;
}

type NotionFake = Awaited<ReturnType<typeof startNotionFake>>;
const NOTION_TOKEN = 'ntn_recorder_integration_token_0001';

type HubSpotFake = Awaited<ReturnType<typeof startHubSpotFake>>;
const HUBSPOT_TOKEN = 'pat-na1-recorder-0000';

interface Org extends SeededOrganisation {
  api(path: string, body?: unknown, app?: ReturnType<typeof createApp>): Promise<Response>;
}

// Seconds instead of days: the reminded path fires both reminders and the escalation in ~3 s.
const FAST_HANDOFF: Partial<OrganisationSettings> = { handoffReminderDelaysSeconds: [1, 2], handoffEscalationDelaySeconds: 3 };

const ACCOUNT = {
  arr: 120_000, closeDate: '2026-11-01', primaryContactName: 'Peter Gibbons', primaryContactRole: 'VP Operations',
  aeEmail: 'ae@relay.test', templateName: 'Quick Start', // two milestones: the shortest template
  rawPayload: 'Goal: replace spreadsheets for TPS reports. Risk: SSO rollout. Go-live by end of Q1.',
};

/** Each lifecycle path: drives it through the API and names the run(s) to record. */
const PATHS: Record<string, { about: string; run(ctx: Ctx): Promise<Recording[]> }> = {
  'handed-off': {
    about: 'created → link resent → AE submits the new link → active (waiting for a status change)',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { id, workflowId } = await createAccount(org, 'Handed Off');
      const [first] = await handoffLinks(ctx, org, id, 1);
      await ok(org.api(`/api/accounts/${id}/handoff/resend`, {}));
      const resent = (await handoffLinks(ctx, org, id, 2)).find((link) => link !== first);
      await submitHandoff(ctx, resent!, org.csms[0]!.id);
      await expectStatus(org, id, 'active');
      return [await settled(ctx, 'accountLifecycle-handed-off', workflowId)];
    },
  },
  'reminded-escalated': {
    about: 'created → two reminders → escalation to the admins → AE submits → active',
    async run(ctx) {
      const org = await ctx.newOrganisation(FAST_HANDOFF);
      const { id, workflowId } = await createAccount(org, 'Slowpoke');
      const emails = await eventually(async () => {
        const all = await outbox(org, id);
        return all.some((e) => e.kind === 'handoff_escalation') ? all : undefined;
      }, 'the escalation');
      const kinds = emails.map((e) => e.kind);
      if (kinds.filter((k) => k === 'handoff_reminder').length !== 2) throw new Error(`expected two reminders, got ${kinds.join(', ')}`);
      await submitHandoff(ctx, emails.find((e) => e.kind === 'handoff_link')!.links[0]!, org.csms[1]!.id);
      await expectStatus(org, id, 'active');
      return [await settled(ctx, 'accountLifecycle-reminded-escalated', workflowId)];
    },
  },
  'at-risk': {
    about: 'handed off → CSM reassigned → at_risk → active again (waiting)',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { id, workflowId } = await handedOff(ctx, org, 'Wobbly');
      await ok(org.api(`/api/accounts/${id}/csm`, { csmEmail: org.csms[2]!.email, note: 'Covering for Casey' }));
      await ok(org.api(`/api/accounts/${id}/status`, { status: 'at_risk', note: 'SSO rollout slipping' }));
      await ok(org.api(`/api/accounts/${id}/status`, { status: 'active', note: 'SSO live' }));
      return [await settled(ctx, 'accountLifecycle-at-risk', workflowId)];
    },
  },
  renamed: {
    about: 'handed off → company name and ARR edited through PATCH /api/accounts/:id (accountRenamed: the run\'s RelayCompany follows) → active (waiting)',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { id, workflowId } = await handedOff(ctx, org, 'Misspeled');
      await ok(Promise.resolve(ctx.app.request(`/api/accounts/${id}`, {
        method: 'PATCH', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ companyName: `Misspelled ${id.slice(0, 8)}`, arr: '$150,000' }),
      })));
      return [await settled(ctx, 'accountLifecycle-renamed', workflowId)];
    },
  },
  completed: {
    about: 'handed off → every milestone completed → completed (run finished)',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { id, workflowId } = await handedOff(ctx, org, 'Finisher');
      const view = await (await ok(org.api(`/api/accounts/${id}`))).json() as { milestones: { id: string }[] };
      for (const milestone of view.milestones) await ok(org.api(`/api/accounts/${id}/milestones/${milestone.id}/complete`, {}));
      await ok(org.api(`/api/accounts/${id}/status`, { status: 'completed', note: 'Launched' }));
      await ctx.client.workflow.getHandle(workflowId).result();
      return [await settled(ctx, 'accountLifecycle-completed', workflowId)];
    },
  },
  churned: {
    about: 'handed off → at_risk → churned (run finished)',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { id, workflowId } = await handedOff(ctx, org, 'Leaver');
      await ok(org.api(`/api/accounts/${id}/status`, { status: 'at_risk', note: 'Champion left' }));
      await ok(org.api(`/api/accounts/${id}/status`, { status: 'churned', note: 'Budget cut' }));
      await ctx.client.workflow.getHandle(workflowId).result();
      return [await settled(ctx, 'accountLifecycle-churned', workflowId)];
    },
  },
  'churned-before-handoff': {
    about: 'created → churned while the AE link is still open (handoff closed, run finished)',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { id, workflowId } = await createAccount(org, 'Deal Lost');
      await handoffLinks(ctx, org, id, 1);
      await ok(org.api(`/api/accounts/${id}/status`, { status: 'churned', note: 'Deal fell through' }));
      await ctx.client.workflow.getHandle(workflowId).result();
      return [await settled(ctx, 'accountLifecycle-churned-before-handoff', workflowId)];
    },
  },
  'continued-as-new': {
    about: 'handed off → status changes until the history passes 40 events → continue-as-new → the next run churns',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const app = ctx.appWithHistoryLimit(40);
      const { id, workflowId } = await handedOff(ctx, org, 'Long Lived', app);
      const first = (await ctx.client.workflow.getHandle(workflowId).describe()).runId;
      let next: string | undefined;
      for (let i = 0; i < 10 && !next; i += 1) {
        await ok(org.api(`/api/accounts/${id}/status`, { status: 'at_risk', note: `slipping ${i}` }, app));
        await ok(org.api(`/api/accounts/${id}/status`, { status: 'active' }, app));
        const latest = (await ctx.client.workflow.getHandle(workflowId).describe()).runId;
        if (latest !== first) next = latest;
      }
      next ??= await eventually(async () => {
        const latest = (await ctx.client.workflow.getHandle(workflowId).describe()).runId;
        return latest !== first ? latest : undefined;
      }, 'continue-as-new');
      await ok(org.api(`/api/accounts/${id}/status`, { status: 'churned', note: 'budget cut' }, app));
      await ctx.client.workflow.getHandle(workflowId).result();
      return [
        await settled(ctx, 'accountLifecycle-continued-as-new-run1', workflowId, first),
        await settled(ctx, 'accountLifecycle-continued-as-new-run2', workflowId, next),
      ];
    },
  },
  'bulk-import': {
    about: 'bulkImport of 3 rows, 2 per batch, 2 batches per run: run 1 continues as new, run 2 finishes',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const rows = ['Alpha', 'Bravo', 'Charlie'].map((name) => {
        const domain = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}.example`;
        return `${name},100000,2026-11-01,${name} Owner,owner@${domain},ae@relay.test,Quick Start,https://${domain}`;
      });
      const csv = `company_name,arr,close_date,primary_contact_name,primary_contact_email,ae_email,template_name,website\n${rows.join('\n')}\n`;
      const uploaded = await ok(Promise.resolve(ctx.app.request('/api/imports?filename=accounts.csv', {
        method: 'POST', body: csv, headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'text/csv' },
      })));
      const { id: importId } = await uploaded.json() as { id: string };
      await ctx.confirmImport(org.orgId, importId, { batchSize: 2, batchesPerRun: 2 });
      const workflowId = bulkImportWorkflowId(org.orgId, importId);
      const handle = ctx.client.workflow.getHandle(workflowId);
      await handle.result();
      const description = await handle.describe();
      const firstRunId = description.raw.workflowExecutionInfo?.firstRunId;
      if (!firstRunId || firstRunId === description.runId) throw new Error('expected the import to continue as new once');
      return [
        await settled(ctx, 'bulkImport-continued-as-new-run1', workflowId, firstRunId),
        await settled(ctx, 'bulkImport-continued-as-new-run2', workflowId, description.runId),
      ];
    },
  },
  'sign-in': {
    about: 'POST /login for an admin → sendSignInLinks looks the address up and sends the link (run finished)',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      await ok(Promise.resolve(ctx.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail, next: '/accounts' }) })));
      const prefix = `sign-in-${signInEmailHash(org.adminEmail)}-`;
      const workflowId = await eventually(async () => {
        for await (const run of ctx.client.workflow.list({ query: `WorkflowType = 'sendSignInLinks' AND TaskQueue = '${ctx.taskQueue}'` })) {
          if (run.workflowId.startsWith(prefix)) return run.workflowId;
        }
        return undefined;
      }, 'the sendSignInLinks run');
      const result = await ctx.client.workflow.getHandle(workflowId).result() as { sent: number };
      if (result.sent !== 1) throw new Error(`expected one sign-in link, the run sent ${result.sent}`);
      const emails = ((await (await ok(org.api('/api/outbox'))).json()) as { items: OutboxItem[] }).items.filter((e) => e.kind === 'sign_in');
      // The sign-in token is a credential: checked, like the handoff tokens, to be absent from the history.
      for (const email of emails) ctx.secrets.add(new URL(email.links[0]!).searchParams.get('token')!);
      if (emails.length !== 1) throw new Error(`expected one sign-in email, found ${emails.length}`);
      return [await settled(ctx, 'sendSignInLinks-sent', workflowId)];
    },
  },
  reconcile: {
    about: 'awaiting the AE → run terminated → reconcileAccounts restarts it from Postgres (run finished) → AE submits → active',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { id, workflowId } = await createAccount(org, 'Stranded');
      const [link] = await handoffLinks(ctx, org, id, 1);
      const handle = ctx.client.workflow.getHandle(workflowId);
      const stopped = (await handle.describe()).runId;
      await handle.terminate('recording the reconciler');
      // Visibility is eventually consistent: the reconciler finds the run once it is listed.
      const query = `${strandedRunsQuery(ctx.taskQueue)} AND WorkflowId = '${workflowId}'`;
      await eventually(async () => {
        for await (const run of ctx.client.workflow.list({ query })) if (run.runId === stopped) return true;
        return undefined;
      }, 'the terminated run to be listed');
      const reconcileId = `reconcile-${randomUUID()}`;
      const result = await ctx.client.workflow.execute<ReconcileAccountsWorkflow>('reconcileAccounts', { workflowId: reconcileId, taskQueue: ctx.taskQueue, args: [{}] });
      if (!result.accounts.some((a) => a.accountId === id && a.outcome === 'restarted')) throw new Error(`the reconciler did not restart the account: ${JSON.stringify(result)}`);
      await submitHandoff(ctx, link!, org.csms[0]!.id);
      await expectStatus(org, id, 'active');
      return [
        await settled(ctx, 'reconcileAccounts-restarted', reconcileId),
        await settled(ctx, 'accountLifecycle-restarted-by-reconciler', workflowId),
      ];
    },
  },
  playbook: {
    about: 'handed off → the welcome email drafted and approved (sent) → the kickoff call fires on its timer → completed → the milestone completes → the next milestone\'s blocker skipped',
    run: (ctx) => playbookJourney(ctx, { prefix: 'Playbook', history: 'accountLifecycle-playbook', lastStep: 'skip' }),
  },
  'playbook-ai-draft': {
    about: 'after actions-ai-draft: the welcome email drafted by the drafting activity (rules here, no model) and approved → the kickoff call fires → completed → the next milestone\'s internal task run (on the task list) and completed',
    run: (ctx) => playbookJourney(ctx, { prefix: 'Drafted', history: 'accountLifecycle-playbook-ai-draft', lastStep: 'run-and-complete' }),
  },
  hubspot: {
    about: 'a signed webhook → hubspotDeal creates the account; the polling sync finds a deal without a webhook; a backfill since a date',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { connectionId, clientSecret } = await ctx.connectHubSpot(org.orgId);
      const deal = (domain: string) => ctx.hubspot.addDeal({
        dealname: `Recorded ${domain}`, amount: 36_000, closedate: '2026-11-20', dealstage: 'closedwon',
        company: { name: `Recorded ${domain}`, domain }, contacts: [{ firstname: 'Pat', lastname: 'Doe', email: `pat@${domain}` }],
      });
      const first = deal(`hooked-${randomUUID().slice(0, 6)}.example`);
      const body = JSON.stringify(dealStageWebhookBody({ portalId: ctx.hubspot.portalId, dealId: first.dealId, stageId: 'closedwon' }));
      const headers = signWebhook({ clientSecret, url: 'http://relay.test/webhooks/hubspot', body });
      await ok(Promise.resolve(ctx.app.request('/webhooks/hubspot', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })));
      const dealRun = hubspotDealWorkflowId(String(ctx.hubspot.portalId), first.dealId, org.orgId);
      await eventually(async () => (await ctx.client.workflow.getHandle(dealRun).describe()).status.name === 'COMPLETED' || undefined, 'the deal workflow');
      deal(`polled-${randomUUID().slice(0, 6)}.example`);
      const syncId = `${connectorScheduleId(connectionId)}-recorded`;
      await ctx.client.workflow.execute<ConnectorSyncWorkflow>('connectorSync', { workflowId: syncId, taskQueue: ctx.taskQueue, args: [{ orgId: org.orgId, connectionId }] });
      const backfillId = hubspotBackfillWorkflowId(connectionId, '2026-01-01');
      await ctx.client.workflow.execute<HubSpotBackfillWorkflow>('hubspotBackfill', {
        workflowId: backfillId, taskQueue: ctx.taskQueue, args: [{ orgId: org.orgId, connectionId, sinceMs: String(Date.parse('2026-01-01T00:00:00Z')) }],
      });
      return [await settled(ctx, 'hubspotDeal-created', dealRun), await settled(ctx, 'connectorSync-found', syncId), await settled(ctx, 'hubspotBackfill-done', backfillId)];
    },
  },
  'hubspot-bulk': {
    about: 'a backfill that reads its page in bulk and hands each deal to its run with the deal already read (hubspotDeal without a HubSpot call)',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { connectionId } = await ctx.connectHubSpot(org.orgId);
      const made = ['one', 'two'].map((n) => {
        const domain = `bulk-${n}-${randomUUID().slice(0, 6)}.example`;
        return ctx.hubspot.addDeal({
          dealname: `Bulk ${domain}`, amount: 24_000, closedate: '2026-11-21', dealstage: 'closedwon',
          company: { name: `Bulk ${domain}`, domain }, contacts: [{ firstname: 'Pat', lastname: 'Doe', email: `pat@${domain}` }],
        });
      });
      const backfillId = hubspotBackfillWorkflowId(connectionId, '2026-11-21');
      await ctx.client.workflow.execute<HubSpotBackfillWorkflow>('hubspotBackfill', {
        workflowId: backfillId, taskQueue: ctx.taskQueue, args: [{ orgId: org.orgId, connectionId, sinceMs: String(Date.parse('2026-11-21T00:00:00Z')) }],
      });
      const dealRun = hubspotDealWorkflowId(String(ctx.hubspot.portalId), made[0]!.dealId, org.orgId);
      return [await settled(ctx, 'hubspotDeal-prefetched', dealRun), await settled(ctx, 'hubspotBackfill-bulk', backfillId)];
    },
  },
  notion: {
    about: 'connectorSync for a Notion database: a Closed Won row becomes an account, written back with its Relay link',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const database = ctx.notion.addDatabase({ title: 'Closed deals', dataSources: [{ name: 'Deals', properties: {
        Name: 'title', ARR: 'number', 'Close date': 'date', Champion: 'rich_text', 'Champion email': 'email', Stage: { select: ['Open', 'Closed Won'] }, 'Relay link': 'url',
      } }] });
      const slug = randomUUID().slice(0, 6);
      ctx.notion.addRow(database.dataSourceId, { Name: `Noted ${slug}`, ARR: 24_000, 'Close date': '2026-11-20', Champion: 'Pat Doe', 'Champion email': `pat@noted-${slug}.example`, Stage: 'Closed Won' });
      const { connectionId } = await ctx.connectNotion(org.orgId, database.databaseId);
      const syncId = `${connectorScheduleId(connectionId)}-recorded`;
      await ctx.client.workflow.execute<ConnectorSyncWorkflow>('connectorSync', { workflowId: syncId, taskQueue: ctx.taskQueue, args: [{ orgId: org.orgId, connectionId, provider: 'notion' }] });
      return [await settled(ctx, 'connectorSync-notion', syncId)];
    },
  },
  health: {
    about: 'handed off → a scoring run → health falls to Critical (at_risk by health, the CSM alerted) → recovers to Healthy (active again); the scoring run itself',
    async run(ctx) {
      const org = await ctx.newOrganisation();
      const { id, workflowId } = await handedOff(ctx, org, 'Scored');
      const runId = `${healthRunIdPrefix(org.orgId)}recorded-${randomUUID()}`;
      await ctx.client.workflow.execute<HealthScoringWorkflow>('healthScoring', { workflowId: runId, taskQueue: ctx.taskQueue, args: [{ orgId: org.orgId, trigger: 'manual' }] });
      const handle = ctx.client.workflow.getHandle(workflowId);
      await handle.signal(healthChangedSignal, { score: 31, tier: 'critical', previousTier: 'needs_attention', day: '2026-11-30', reasons: ['Meetings 0/100: No meetings in 180 days.'] });
      await eventually(async () => (await expectStatusIs(org, id, 'at_risk')) || undefined, 'the account at risk by health');
      await handle.signal(healthChangedSignal, { score: 86, tier: 'healthy', previousTier: 'critical', day: '2026-12-01', reasons: [] });
      await eventually(async () => (await expectStatusIs(org, id, 'active')) || undefined, 'the account active again');
      return [await settled(ctx, 'healthScoring-run', runId), await settled(ctx, 'accountLifecycle-health-moved', workflowId)];
    },
  },
};

async function expectStatusIs(org: Org, accountId: string, status: string): Promise<boolean> {
  const view = await (await ok(org.api(`/api/accounts/${accountId}`))).json() as { status: string };
  return view.status === status;
}

async function createAccount(org: Org, company: string, app?: ReturnType<typeof createApp>): Promise<{ id: string; workflowId: string }> {
  const slug = randomUUID().slice(0, 8);
  const res = await ok(org.api('/api/accounts', {
    ...ACCOUNT, companyName: `${company} ${slug}`, primaryContactEmail: `peter@${company.toLowerCase().replace(/\W+/g, '-')}-${slug}.example`,
  }, app));
  return res.json() as Promise<{ id: string; workflowId: string }>;
}

async function handedOff(ctx: Ctx, org: Org, company: string, app?: ReturnType<typeof createApp>) {
  const account = await createAccount(org, company, app);
  const [link] = await handoffLinks(ctx, org, account.id, 1);
  await submitHandoff(ctx, link!, org.csms[0]!.id);
  await expectStatus(org, account.id, 'active');
  return account;
}

interface OutboxItem { kind: string; links: string[] }
async function outbox(org: Org, accountId: string): Promise<OutboxItem[]> {
  return ((await (await ok(org.api(`/api/outbox?accountId=${accountId}`))).json()) as { items: OutboxItem[] }).items;
}

/** Waits for `count` handoff-link emails and returns their links. */
async function handoffLinks(ctx: Ctx, org: Org, accountId: string, count: number): Promise<string[]> {
  const links = await eventually(async () => {
    const found = (await outbox(org, accountId)).filter((e) => e.kind === 'handoff_link').map((e) => e.links[0]!);
    return found.length >= count ? found : undefined;
  }, `${count} handoff link(s)`);
  for (const link of links) ctx.secrets.add(new URL(link).pathname.split('/').pop()!);
  return links;
}

/**
 * The playbook's journey the two playbook recordings share: handed off, the welcome email drafted and
 * approved, the kickoff call fired on its timer and completed, the milestone completed, and the next
 * milestone's "Configure workspace" either skipped or run and completed.
 */
async function playbookJourney(ctx: Ctx, opts: { prefix: string; history: string; lastStep: 'skip' | 'run-and-complete' }): Promise<Recording[]> {
  const org = await ctx.newOrganisation({ actionHourSeconds: 0.05 });
  const slug = randomUUID().slice(0, 8);
  const created = await ok(org.api('/api/accounts', {
    ...ACCOUNT, templateName: 'Standard SaaS Onboarding', companyName: `${opts.prefix} ${slug}`, primaryContactEmail: `peter@${opts.prefix.toLowerCase()}-${slug}.example`,
  }));
  const { id, workflowId } = await created.json() as { id: string; workflowId: string };
  const [link] = await handoffLinks(ctx, org, id, 1);
  await submitHandoff(ctx, link!, org.csms[0]!.id);
  type Action = { actionId: string; label: string; status: string; milestoneId: string };
  const actionsOf = async () => ((await (await ok(org.api(`/api/accounts/${id}/actions`))).json()) as { items: Action[] }).items;
  const command = (action: Action, name: string, body: Record<string, string> = {}) => ok(org.api(`/api/accounts/${id}/actions/${encodeURIComponent(action.actionId)}/${name}`, body));
  const welcome = await eventually(async () => (await actionsOf()).find((a) => a.label === 'Welcome email' && a.status === 'review_pending'), 'the welcome draft');
  await command(welcome, 'approve');
  const call = await eventually(async () => (await actionsOf()).find((a) => a.label === 'Kickoff call' && a.status === 'ready'), 'the kickoff call');
  await command(call, 'complete');
  await ok(org.api(`/api/accounts/${id}/milestones/${call.milestoneId}/complete`, {}));
  const workspace = await eventually(async () => (await actionsOf()).find((a) => a.label === 'Configure workspace'), 'the next milestone\'s actions');
  if (opts.lastStep === 'skip') {
    await command(workspace, 'skip', { reason: 'done by the customer' });
  } else {
    await command(workspace, 'run');
    await command(workspace, 'complete');
  }
  return [await settled(ctx, opts.history, workflowId)];
}

async function submitHandoff(ctx: Ctx, link: string, csmUserId: string): Promise<void> {
  await ok(Promise.resolve(ctx.app.request(new URL(link).pathname, {
    method: 'POST', body: new URLSearchParams({ csmUserId, answer_goals: 'Replace spreadsheets by March' }),
  })));
}

async function expectStatus(org: Org, accountId: string, status: string): Promise<void> {
  if (!await expectStatusIs(org, accountId, status)) throw new Error(`account ${accountId} is not ${status}`);
}

async function ok(response: Promise<Response>): Promise<Response> {
  const res = await response;
  if (res.status >= 400) throw new Error(`${res.status}: ${await res.text()}`);
  return res;
}

async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The run once it has nothing in flight: closed, or open with no workflow task or activity pending
 * and a history that stopped growing (a run waiting for its next message or timer).
 */
async function settled(ctx: Ctx, name: string, workflowId: string, runId?: string): Promise<Recording> {
  const handle = ctx.client.workflow.getHandle(workflowId, runId);
  let lastLength = -1;
  return eventually(async () => {
    const d = await handle.describe();
    const length = Number(d.historyLength);
    const idle = d.status.name !== 'RUNNING' || (!d.raw.pendingWorkflowTask && !d.raw.pendingActivities?.length);
    const stable = idle && length === lastLength;
    lastLength = length;
    return stable ? { name, workflowId, runId: d.runId } : undefined;
  }, `${name} to settle`);
}

/** Every string in the history, and what it decodes to when it is a base64 payload. */
function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') {
    yield value;
    yield Buffer.from(value, 'base64').toString('utf8');
  } else if (Array.isArray(value)) {
    for (const item of value) yield* strings(item);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) yield* strings(item);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tag: { type: 'string' }, out: { type: 'string' },
      force: { type: 'boolean', default: false }, list: { type: 'boolean', default: false },
    },
  });
  if (values.list) {
    for (const [name, path] of Object.entries(PATHS)) process.stdout.write(`${name.padEnd(24)} ${path.about}\n`);
    return;
  }
  const unknown = positionals.filter((p) => !(p in PATHS));
  if (unknown.length) throw new Error(`unknown path(s) ${unknown.join(', ')}; known: ${Object.keys(PATHS).join(', ')}`);
  const chosen = positionals.length ? positionals : Object.keys(PATHS);
  const dir = resolve(values.out ?? HISTORIES_DIR);
  const fileFor = (name: string) => join(dir, `${name}${values.tag ? `.${values.tag}` : ''}.json`);
  mkdirSync(dir, { recursive: true });

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let server: DevServer | null = null;
  let address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    const cli = spawnSync('sh', [join(PROJECT_ROOT, 'scripts/ensure-temporal.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).stdout.trim();
    if (!cli) throw new Error('no Temporal CLI (see scripts/ensure-temporal.sh) and no TEMPORAL_ADDRESS');
    server = await startTemporalDevServer({ cli, uiPort: null });
  }
  const databaseName = `relay_histories_${process.pid}`;
  const database = await openDatabase({ url: await recreateDatabase(databaseName), dataDir: '.data', max: 5 });
  const { connection: clientConnection, client } = await connectTemporal(address ?? server!.address, 'default');
  const workerConnection = await NativeConnection.connect({ address: address ?? server!.address });
  let worker: Awaited<ReturnType<typeof createRelayWorker>> | null = null;
  let hubspot: HubSpotFake | null = null;
  let notion: NotionFake | null = null;
  let workerDone: Promise<void> | null = null;
  try {
    await database.migrate();
    await ensureSearchAttributes(clientConnection, 'default');
    const taskQueue = `histories-${randomUUID()}`;
    const tokenSecret = randomBytes(32).toString('hex');
    hubspot = await startHubSpotFake({ accessTokens: [HUBSPOT_TOKEN] });
    notion = await startNotionFake({ tokens: [NOTION_TOKEN] });
    const activityDeps: ActivityDeps = {
      db: database.db, mailer: createDevOutboxMailer(), drafter: createRuleBasedDrafter(),
      publicUrl: 'http://relay.test', tokenSecret, hubspotBaseUrl: hubspot.url, notionBaseUrl: notion.url,
    };
    const deps: AppDeps = {
      db: database.db, temporal: client, taskQueue, namespace: 'default', temporalUiUrl: 'http://temporal-ui.test',
      devOutbox: true, mailer: activityDeps.mailer, publicUrl: 'http://relay.test', secureCookies: false,
      secretBox: createSecretBox(tokenSecret), hubspotBaseUrl: hubspot.url, notionBaseUrl: notion.url,
      handoffRateLimit: { limit: 100_000, windowMs: 60_000 }, signInRateLimit: { limit: 100_000, windowMs: 60_000 },
      checkReadiness: async () => ({ database: true, temporal: true, workers: true }),
    };
    const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };
    worker = await createRelayWorker({
      connection: workerConnection, namespace: 'default', taskQueue, activityDeps,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet }),
    });
    workerDone = worker.run();
    const app = createApp(deps);
    const apiKeys: string[] = [];
    const portal = hubspot;
    const workspace = notion;
    const ctx: Ctx = {
      client, taskQueue, app, secrets: new Set([tokenSecret, HUBSPOT_TOKEN, NOTION_TOKEN]), hubspot: portal, notion: workspace,
      async connectNotion(orgId, databaseId) {
        const view = await connectNotion(deps, orgId, {
          token: NOTION_TOKEN, databaseId, templateName: 'Quick Start', intervalMinutes: 1440, filter: { property: 'Stage', equals: 'Closed Won' },
          mapping: { companyName: 'Name', arr: 'ARR', closeDate: 'Close date', primaryContactName: 'Champion', primaryContactEmail: 'Champion email' },
        });
        await client.schedule.getHandle(connectorScheduleId(view.id)).delete();
        return { connectionId: view.id };
      },
      async connectHubSpot(orgId) {
        const clientSecret = `recorder-client-secret-${randomUUID()}`;
        ctx.secrets.add(clientSecret);
        const view = await connectHubSpot(deps, orgId, { accessToken: HUBSPOT_TOKEN, clientSecret, portalId: String(portal.portalId), templateName: 'Quick Start', intervalMinutes: 1440 });
        // The schedule stays unused here (runs are started by hand, so their histories are known).
        await client.schedule.getHandle(connectorScheduleId(view.id)).delete();
        return { connectionId: view.id, clientSecret };
      },
      appWithHistoryLimit: (historyLimit) => createApp({ ...deps, historyLimit }),
      confirmImport: async (orgId, importId, opts) => {
        await confirmImport({ db: database.db, temporal: client, taskQueue, importBatchSize: opts.batchSize, importBatchesPerRun: opts.batchesPerRun }, orgId, importId);
      },
      async newOrganisation(settings) {
        const suffix = randomUUID().slice(0, 8);
        const seeded = await seedOrganisation(database.db, {
          name: `History Org ${suffix}`, slug: `history-${suffix}`,
          admin: { email: `admin-${suffix}@relay.test`, name: 'Ada Admin' },
          csms: ['Casey', 'Robin', 'Sam'].map((n) => ({ email: `${n.toLowerCase()}-${suffix}@relay.test`, name: `${n} CSM` })),
          ...(settings ? { settings } : {}),
        });
        apiKeys.push(seeded.apiKey);
        return {
          ...seeded,
          api: (path, body, via = app) => Promise.resolve(via.request(path, {
            method: body === undefined ? 'GET' : 'POST',
            headers: { authorization: `Bearer ${seeded.apiKey}`, 'content-type': 'application/json' },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          })),
        };
      },
    };

    // All paths at once (the reminded one spends seconds on its timers); each failure is reported.
    const outcomes = await Promise.allSettled(chosen.map(async (name) => {
      const started = Date.now();
      const recorded = await PATHS[name]!.run(ctx);
      say(`${name}: driven in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return recorded;
    }));
    const failures = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${chosen[i]}: ${o.reason instanceof Error ? o.reason.message : String(o.reason)}`] : []));
    if (failures.length) throw new Error(`path(s) failed, nothing saved:\n${failures.join('\n')}`);
    const recordings = outcomes.flatMap((o) => (o.status === 'fulfilled' ? o.value : []));

    for (const recording of recordings) {
      const file = fileFor(recording.name);
      if (existsSync(file) && !values.force) {
        throw new Error(`${file} exists: keep recorded histories (runs in flight replay them); pass --tag <change> to add one beside it`);
      }
    }
    for (const recording of recordings) {
      const history = await client.workflow.getHandle(recording.workflowId, recording.runId).fetchHistory();
      const json = historyToJSON(history);
      const leaked = [...ctx.secrets, ...apiKeys].filter((secret) => [...strings(JSON.parse(json))].some((s) => s.includes(secret)));
      if (leaked.length) throw new Error(`${recording.name}: the history holds a secret (API key, token secret or handoff token); not saved`);
      const file = fileFor(recording.name);
      writeFileSync(file, `${json}\n`);
      say(`  ${relative(process.cwd(), file)}: ${history.events?.length ?? 0} events, ${(Buffer.byteLength(json) / 1024).toFixed(1)} KB`);
    }
  } finally {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await workerDone?.catch(() => {});
    await workerConnection.close();
    await clientConnection.close();
    await database.close();
    await dropDatabase(databaseName);
    await hubspot?.close();
    await notion?.close();
    await server?.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`recording histories failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
