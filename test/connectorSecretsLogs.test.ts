// Secrets stay secret (issue 11): everything Relay writes while it connects HubSpot (private app and
// OAuth) and Notion, takes webhooks, syncs, refreshes tokens and meets revoked ones, captured from
// the process (platform/log.ts's JSON lines, the Temporal worker's logger, anything on the console),
// and every API answer and page of those flows: none holds an access token, a refresh token, a
// client secret or a Notion token.
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from './support/captureOutput.ts';
import { createApp } from '../api/app.tsx';
import { connections, connectorRecords } from '../db/schema/index.ts';
import type { HubSpotSecrets } from '../domain/connectors.ts';
import { createSecretBox } from '../platform/secretBox.ts';
import { HUBSPOT_SECRETS_PURPOSE } from '../services/connectors/hubspotAuth.ts';
import { connectorScheduleId, type ConnectorSyncWorkflow } from '../workflows/connectorDefinitions.ts';
import { signIn } from './dashboardClient.ts';
import { dealStageWebhookBody, signWebhook, startHubSpotFake } from './fakes/hubspotFake.ts';
import { startNotionFake } from './fakes/notionFake.ts';
import { createHarness, eventually, TEST_PUBLIC_URL, TEST_TOKEN_SECRET, type Harness, type TestOrganisation } from './harness.ts';

const PRIVATE_TOKEN = 'pat-na1-logs-secret-token-7777-8888';
const PRIVATE_SECRET = 'logs-private-app-client-secret-9999';
const APP = { clientId: 'logs-oauth-app-client-id', clientSecret: 'logs-oauth-app-client-secret-4242' };
const NOTION_TOKEN = 'ntn_logs_integration_token_secret_0042';
const REDIRECT_URI = `${TEST_PUBLIC_URL}/connectors/hubspot/oauth/callback`;
const box = createSecretBox(TEST_TOKEN_SECRET);

/** Every secret Relay was handed or granted in this file (OAuth tokens join as HubSpot grants them). */
const secrets = new Set<string>([PRIVATE_TOKEN, PRIVATE_SECRET, APP.clientSecret, NOTION_TOKEN]);
/** Everything written to the process's stdout and stderr, and through the console, while the tests ran. */
let output: ReturnType<typeof captureOutput>;
/** Every answer and page of the flows below. */
const answers: { where: string; text: string }[] = [];

let h: Harness;
let app: ReturnType<typeof createApp>;
let hubspot: Awaited<ReturnType<typeof startHubSpotFake>>;
let notion: Awaited<ReturnType<typeof startNotionFake>>;
let database: { databaseId: string; dataSourceId: string };
const schedules = new Set<string>();

beforeAll(async () => {
  hubspot = await startHubSpotFake({ portalId: 62888, accessTokens: [PRIVATE_TOKEN], app: APP });
  notion = await startNotionFake({ tokens: [NOTION_TOKEN] });
  database = notion.addDatabase({
    title: 'Closed deals (logs)',
    dataSources: [{ name: 'Deals', properties: { Name: 'title', ARR: 'number', 'Close date': 'date', Champion: 'rich_text', 'Champion email': 'email', Stage: { select: ['Open', 'Closed Won'] } } }],
  });
  h = await createHarness({ activityDeps: { hubspotBaseUrl: hubspot.url, notionBaseUrl: notion.url } });
  app = createApp({ ...h.deps, hubspotOAuth: APP });
  output = captureOutput({ console: true });
});

afterAll(async () => {
  output?.stop();
  for (const id of schedules) {
    await h?.deps.temporal.schedule.getHandle(id).delete().catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
  }
  await h?.close();
  await hubspot?.close();
  await notion?.close();
});

async function keep(where: string, res: Response | Promise<Response>): Promise<Response> {
  const answer = await res;
  answers.push({ where, text: `${[...answer.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await answer.clone().text()}` });
  return answer;
}

const api = (org: TestOrganisation, path: string, init: { method?: string; body?: unknown } = {}) => keep(`${init.method ?? 'GET'} ${path}`, app.request(path, {
  method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
  headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' },
  ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
}));

let seq = 0;
function wonDeal() {
  const n = ++seq;
  const domain = `logs-${n}-${Date.now()}.example`;
  return hubspot.addDeal({
    dealname: `Logs plan ${n}`, amount: 12_000, closedate: '2026-11-24', dealstage: 'closedwon', description: 'Secrets must stay out of logs.',
    company: { name: `Logs Co ${n}`, domain }, contacts: [{ firstname: 'Dana', lastname: 'Scully', email: `dana@${domain}` }],
    owner: { email: 'ae.logs@relay.example', firstName: 'Lou', lastName: 'Logs' },
  });
}

function webhook(dealId: string, clientSecret: string) {
  const body = JSON.stringify(dealStageWebhookBody({ portalId: hubspot.portalId, dealId, stageId: 'closedwon' }));
  return keep('POST /webhooks/hubspot', app.request('/webhooks/hubspot', {
    method: 'POST', headers: { ...signWebhook({ clientSecret, url: `${TEST_PUBLIC_URL}/webhooks/hubspot`, body }), 'content-type': 'application/json' }, body,
  }));
}

const settled = (connectionId: string, dealId: string) => eventually(async () => {
  const [row] = await h.database.db.select().from(connectorRecords).where(and(eq(connectorRecords.connectionId, connectionId), eq(connectorRecords.externalId, dealId)));
  return row && row.outcome !== 'skipped' ? row : undefined;
}, { what: `deal ${dealId} settled`, timeoutMs: 45_000 });

const storedSecrets = async (connectionId: string) => {
  const [row] = await h.database.db.select().from(connections).where(eq(connections.id, connectionId));
  return JSON.parse(box.open(row!.sealedSecrets, HUBSPOT_SECRETS_PURPOSE)) as HubSpotSecrets;
};

describe('secrets in logs, answers and pages', () => {
  it('HubSpot by private app: connect (refused, then accepted), webhook, sync, test, backfill preview, and a revoked token', async () => {
    const org = await h.newOrganisation();
    expect((await api(org, '/api/connectors/hubspot', { method: 'PUT', body: { accessToken: PRIVATE_TOKEN, clientSecret: PRIVATE_SECRET, portalId: 'not a portal', templateName: 'Quick Start' } })).status).toBe(400);
    const connected = await api(org, '/api/connectors/hubspot', { method: 'PUT', body: { accessToken: PRIVATE_TOKEN, clientSecret: PRIVATE_SECRET, portalId: String(hubspot.portalId), templateName: 'Quick Start', intervalMinutes: 60 } });
    expect(connected.status).toBe(200);
    const { id } = await connected.json() as { id: string };
    schedules.add(connectorScheduleId(id));

    const deal = wonDeal();
    expect((await webhook(deal.dealId, PRIVATE_SECRET)).status).toBe(200);
    expect((await webhook(deal.dealId, 'a-wrong-client-secret-value')).status).toBe(401);
    expect((await settled(id, deal.dealId)).outcome).toBe('created');
    expect((await api(org, '/api/connectors/hubspot/sync', { body: {} })).status).toBe(202);
    await eventually(async () => {
      const [row] = await h.database.db.select().from(connections).where(eq(connections.id, id));
      return row!.lastRunAt !== null;
    }, { what: 'the sync to run' });
    await api(org, `/api/connectors/hubspot/deals/${deal.dealId}/preview`);
    await api(org, '/api/connectors/hubspot/backfill/preview', { body: { since: '2026-01-01' } });
    await api(org, '/api/connectors');

    const admin = await signIn({ ...h, app }, org.adminEmail);
    await keep('GET /settings/connectors', admin.get('/settings/connectors'));
    await keep('GET test-deal', admin.get(`/settings/connectors/hubspot/test-deal?dealId=${deal.dealId}`));

    hubspot.revokeToken(PRIVATE_TOKEN);
    const refused = wonDeal();
    await webhook(refused.dealId, PRIVATE_SECRET);
    expect((await settled(id, refused.dealId)).outcome).toBe('failed');
    await eventually(async () => ((await (await api(org, '/api/connectors')).json()) as { items: { status: string }[] }).items[0]!.status === 'needs_reauth', { what: 'needs_reauth' });
    expect((await api(org, `/api/connectors/hubspot/deals/${deal.dealId}/preview`)).status).toBe(409);
    await keep('GET /settings/connectors (needs_reauth)', admin.get('/settings/connectors'));
  });

  it('HubSpot by OAuth: the install and its callback, a webhook, a refresh, and a refresh refused', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn({ ...h, app }, org.adminEmail);
    const start = await keep('POST oauth/start', admin.post('/settings/connectors/hubspot/oauth/start', { closedWonStageIds: 'closedwon', templateName: 'Quick Start', intervalMinutes: '60' }));
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const cookie = /relay_hubspot_oauth=[^;]+/.exec(start.headers.get('set-cookie') ?? '')![0];
    const callback = (query: Record<string, string>) => keep('GET oauth/callback', app.request(`/connectors/hubspot/oauth/callback?${new URLSearchParams(query)}`, { headers: { cookie: `${admin.cookie}; ${cookie}` } }));
    expect((await callback({ code: 'code-not-from-hubspot', state })).headers.get('location')).toBe('/settings/connectors?oauth=refused');
    expect((await callback({ code: hubspot.issueAuthCode(REDIRECT_URI), state })).headers.get('location')).toBe('/settings/connectors?done=connected');
    const { items } = await (await api(org, '/api/connectors')).json() as { items: { id: string }[] };
    const id = items[0]!.id;
    schedules.add(connectorScheduleId(id));
    const granted = await storedSecrets(id);
    secrets.add(granted.accessToken);
    secrets.add(granted.oauth!.refreshToken);

    const deal = wonDeal();
    await webhook(deal.dealId, APP.clientSecret);
    expect((await settled(id, deal.dealId)).outcome).toBe('created');

    // Close to expiry: the next call refreshes (a new access token, also a secret).
    const soon = { ...granted, oauth: { ...granted.oauth!, expiresAtMs: Date.now() + 60_000 } };
    await h.database.db.update(connections).set({ sealedSecrets: box.seal(JSON.stringify(soon), HUBSPOT_SECRETS_PURPOSE) }).where(eq(connections.id, id));
    expect((await api(org, `/api/connectors/hubspot/deals/${deal.dealId}/preview`)).status).toBe(200);
    const refreshed = await storedSecrets(id);
    expect(refreshed.accessToken).not.toBe(granted.accessToken);
    secrets.add(refreshed.accessToken);
    await keep('GET /settings/connectors (oauth)', admin.get('/settings/connectors'));

    // Uninstalled: the refresh is refused, the connection needs re-authorisation.
    hubspot.revokeToken(refreshed.oauth!.refreshToken);
    await h.database.db.update(connections).set({ sealedSecrets: box.seal(JSON.stringify({ ...refreshed, oauth: { ...refreshed.oauth!, expiresAtMs: Date.now() } }), HUBSPOT_SECRETS_PURPOSE) }).where(eq(connections.id, id));
    const lapsed = wonDeal();
    await webhook(lapsed.dealId, APP.clientSecret);
    expect((await settled(id, lapsed.dealId)).outcome).toBe('failed');
    await api(org, '/api/connectors');
    await keep('GET /settings/connectors (oauth lapsed)', admin.get('/settings/connectors'));
  });

  it('Notion: connect (refused, then accepted) by API and form, sync, and a revoked token', async () => {
    const org = await h.newOrganisation();
    const body = {
      token: NOTION_TOKEN, databaseId: database.databaseId, templateName: 'Quick Start', intervalMinutes: 60, filter: { property: 'Stage', equals: 'Closed Won' },
      mapping: { companyName: 'Name', arr: 'ARR', closeDate: 'Close date', primaryContactName: 'Champion', primaryContactEmail: 'Champion email' },
    };
    expect((await api(org, '/api/connectors/notion', { method: 'PUT', body: { ...body, databaseId: randomUUID() } })).status).toBe(400);
    expect((await api(org, '/api/connectors/notion', { method: 'PUT', body: { ...body, mapping: { ...body.mapping, arr: 'Amount' } } })).status).toBe(400);
    const admin = await signIn({ ...h, app }, org.adminEmail);
    const form = {
      token: NOTION_TOKEN, databaseId: database.databaseId, 'mapping.companyName': 'Name', 'mapping.arr': 'Nope', 'mapping.closeDate': 'Close date',
      'mapping.primaryContactName': 'Champion', 'mapping.primaryContactEmail': 'Champion email', templateName: 'Quick Start', intervalMinutes: '60',
    };
    expect((await keep('POST /settings/connectors/notion (refused)', admin.post('/settings/connectors/notion', form))).status).toBe(422);
    expect((await keep('POST /settings/connectors/notion', admin.post('/settings/connectors/notion', { ...form, 'mapping.arr': 'ARR' }))).status).toBe(303);
    const { items } = await (await api(org, '/api/connectors')).json() as { items: { id: string }[] };
    const id = items[0]!.id;
    schedules.add(connectorScheduleId(id));
    expect((await api(org, '/api/connectors/notion', { method: 'PUT', body })).status).toBe(200);

    const slug = randomUUID().slice(0, 8);
    notion.addRow(database.dataSourceId, { Name: `Notion Logs ${slug}`, ARR: 30_000, 'Close date': '2026-11-20', Champion: 'Fox Mulder', 'Champion email': `fox@logs-${slug}.example`, Stage: 'Closed Won' });
    const sync = () => h.deps.temporal.workflow.execute<ConnectorSyncWorkflow>('connectorSync', {
      workflowId: `${connectorScheduleId(id)}-logs-${randomUUID()}`, taskQueue: h.taskQueue, args: [{ orgId: org.orgId, connectionId: id, provider: 'notion' }],
    });
    await sync();
    notion.revokeToken(NOTION_TOKEN);
    await expect(sync()).rejects.toThrow();
    await api(org, '/api/connectors');
    await keep('GET /settings/connectors (notion lapsed)', admin.get('/settings/connectors'));
  });

  it('none of it holds a secret', () => {
    const lines = output.text().split('\n').filter(Boolean);
    // The capture saw Relay's own JSON lines: the flows above log (refused webhooks, refreshes, installs, lapses).
    const relayLines = lines.filter((l) => l.startsWith('{"time":'));
    const messages = relayLines.map((l) => (JSON.parse(l) as { message: string }).message);
    expect(messages).toEqual(expect.arrayContaining([
      'hubspot webhook refused', 'hubspot connected by oauth', 'hubspot oauth install not completed', 'hubspot access token refreshed',
      'hubspot token refresh failed', 'connector needs re-authorisation',
    ]));
    expect(secrets.size).toBeGreaterThanOrEqual(7);
    for (const secret of secrets) {
      const inLogs = lines.filter((l) => l.includes(secret));
      expect(inLogs, `a log line holds a secret (${secret.slice(0, 6)}…)`).toEqual([]);
      const inAnswers = answers.filter((a) => a.text.includes(secret)).map((a) => a.where);
      expect(inAnswers, `an answer or page holds a secret (${secret.slice(0, 6)}…)`).toEqual([]);
    }
    expect(answers.length).toBeGreaterThan(25);
  });
});
