// Notion → Relay on the real stack (issue 11): the real @notionhq/client against a fake of Notion's
// 2025-09 API (test/fakes/notionFake.ts), the connection through the API, syncs as `connectorSync`
// runs on Temporal, accounts through the same service as every other path, write-back to the rows,
// rate limits, a revoked token, and never a token in an answer.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { accounts, connections, connectorRecords } from '../db/schema/index.ts';
import type { NotionSyncResult } from '../activities/notionConnector.ts';
import { connectorScheduleId, type ConnectorSyncWorkflow } from '../workflows/connectorDefinitions.ts';
import { notionReply, startNotionFake, type NotionPropertySpec } from './fakes/notionFake.ts';
import { signIn } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, TEST_PUBLIC_URL, type Harness, type TestOrganisation } from './harness.ts';

const TOKEN = 'ntn_test_integration_token_0001';
const SECOND_TOKEN = 'ntn_test_integration_token_0002';

const COLUMNS: Record<string, NotionPropertySpec> = {
  Name: 'title', ARR: 'number', 'Close date': 'date', Champion: 'rich_text', 'Champion email': 'email', Owner: 'people',
  Website: 'url', Notes: 'rich_text', Stage: { select: ['Open', 'Closed Won', 'Closed Lost'] }, 'Relay link': 'url', 'Relay status': 'rich_text',
};
const MAPPING = {
  companyName: 'Name', arr: 'ARR', closeDate: 'Close date', primaryContactName: 'Champion', primaryContactEmail: 'Champion email',
  aeEmail: 'Owner', website: 'Website', notes: 'Notes',
};

let h: Harness;
let fake: Awaited<ReturnType<typeof startNotionFake>>;
let org: TestOrganisation;
let database: { databaseId: string; dataSourceId: string };
let connectionId: string;
const schedules: string[] = [];

function connectBody(overrides: Record<string, unknown> = {}) {
  return {
    token: TOKEN, databaseId: `https://www.notion.so/acme/Closed-deals-${database.databaseId.replaceAll('-', '')}?v=${'f'.repeat(32)}`,
    mapping: MAPPING, filter: { property: 'Stage', equals: 'Closed Won' }, templateName: 'Quick Start', intervalMinutes: 60, ...overrides,
  };
}

beforeAll(async () => {
  fake = await startNotionFake({ tokens: [TOKEN, SECOND_TOKEN] });
  database = fake.addDatabase({ title: 'Closed deals', dataSources: [{ name: 'Deals', properties: COLUMNS }] });
  h = await createHarness({ activityDeps: { notionBaseUrl: fake.url } });
  org = await h.newOrganisation();
});

afterAll(async () => {
  for (const id of schedules) await h?.deps.temporal.schedule.getHandle(id).delete().catch(() => undefined);
  await h?.close();
  await fake?.close();
});

async function connect(who: TestOrganisation, body: Record<string, unknown>) {
  const res = await who.api('/api/connectors/notion', { method: 'PUT', body });
  const json = await res.json() as { id: string; error?: { fields?: { field: string; message: string }[] } };
  if (res.status === 200) schedules.push(connectorScheduleId(json.id));
  return { status: res.status, json };
}

/** One sync, as the schedule runs it, awaited (a run of its own ID, so two can run at once). */
function sync(who: { orgId: string }, id = connectionId): Promise<NotionSyncResult> {
  return h.deps.temporal.workflow.execute<ConnectorSyncWorkflow>('connectorSync', {
    workflowId: `${connectorScheduleId(id)}-test-${randomUUID()}`, taskQueue: h.taskQueue, args: [{ orgId: who.orgId, connectionId: id, provider: 'notion' }],
  }) as Promise<NotionSyncResult>;
}

function row(values: Record<string, unknown> = {}, dataSourceId = database.dataSourceId) {
  const slug = randomUUID().slice(0, 8);
  const domain = `notion-${slug}.example`;
  const id = fake.addRow(dataSourceId, {
    Name: `Row Co ${slug}`, ARR: 48_000, 'Close date': '2026-11-27', Champion: 'Dana Scully', 'Champion email': `dana@${domain}`,
    Owner: [{ id: randomUUID(), name: 'Sam Seller', email: 'ae.sam@relay.example' }], Website: `https://${domain}`, Notes: 'Needs SSO before rollout.',
    Stage: 'Closed Won', ...values,
  });
  return { id, domain, name: `Row Co ${slug}` };
}

async function record(pageId: string, id = connectionId) {
  const [found] = await h.database.db.select().from(connectorRecords).where(and(eq(connectorRecords.connectionId, id), eq(connectorRecords.externalId, pageId)));
  return found;
}

async function accountsNamed(orgId: string, companyName: string) {
  return h.database.db.select({ id: accounts.id, status: accounts.status, arr: accounts.arr, aeEmail: accounts.aeEmail, primaryContactEmail: accounts.primaryContactEmail, notes: accounts.notes })
    .from(accounts).where(and(eq(accounts.orgId, orgId), eq(accounts.companyName, companyName)));
}

async function connectionsView(who: TestOrganisation) {
  const res = await who.api('/api/connectors');
  return { text: await res.clone().text(), json: await res.json() as { items: { id: string; provider: string; status: string; lastError: string | null; cursor: string | null; settings: Record<string, unknown>; recentFailures: { externalId: string; reason: string }[]; counts: Record<string, number> }[] } };
}

describe('connecting Notion', () => {
  it('refuses a wrong database ID, a wrong token and a mapping the database cannot fill, naming the field', async () => {
    const missing = await connect(org, connectBody({ databaseId: randomUUID() }));
    expect(missing.status).toBe(400);
    expect(missing.json.error?.fields).toEqual([{ field: 'databaseId', message: expect.stringContaining('shared with the integration') }]);

    const badToken = await connect(org, connectBody({ token: 'ntn_not_a_token_we_know' }));
    expect(badToken.status).toBe(400);
    expect(badToken.json.error?.fields?.[0]?.field).toBe('token');
    expect(JSON.stringify(badToken.json)).not.toContain('ntn_not_a_token_we_know');

    const badMapping = await connect(org, connectBody({ mapping: { ...MAPPING, arr: 'Amount' }, filter: { property: 'Stage', equals: 'Won' } }));
    expect(badMapping.status).toBe(400);
    expect(badMapping.json.error?.fields?.map((f) => f.field)).toEqual(['mapping.arr', 'filter.equals']);

    const garbage = await connect(org, connectBody({ databaseId: 'my deals' }));
    expect(garbage.json.error?.fields?.[0]?.field).toBe('databaseId');
    expect((await connectionsView(org)).json.items).toEqual([]);
  });

  it('connects with the database URL: settings shown, the token never, the schedule made', async () => {
    const res = await connect(org, connectBody());
    expect(res.status).toBe(200);
    connectionId = res.json.id;
    expect(res.json).toMatchObject({
      provider: 'notion', status: 'active', externalAccountId: database.databaseId,
      settings: { databaseId: database.databaseId, dataSourceId: database.dataSourceId, databaseTitle: 'Closed deals', mapping: MAPPING, filter: { property: 'Stage', equals: 'Closed Won' }, templateName: 'Quick Start', intervalMinutes: 60, templateProperty: null },
      scheduleId: connectorScheduleId(connectionId),
    });
    expect(JSON.stringify(res.json)).not.toContain(TOKEN);
    const [stored] = await h.database.db.select().from(connections).where(eq(connections.id, connectionId));
    expect(stored!.sealedSecrets).not.toContain(TOKEN);
    expect(JSON.stringify(stored!.settings)).not.toContain(TOKEN);

    const listed = await connectionsView(org);
    expect(listed.json.items.map((i) => i.provider)).toEqual(['notion']);
    expect(listed.text).not.toContain(TOKEN);

    const schedule = await h.deps.temporal.schedule.getHandle(connectorScheduleId(connectionId)).describe();
    expect(schedule.action).toMatchObject({ workflowType: 'connectorSync', args: [{ orgId: org.orgId, connectionId, provider: 'notion' }] });
  });
});

describe('Notion rows become accounts', () => {
  it('creates each Closed Won row once across two syncs at once and a third after them, and writes back the link and status', async () => {
    const rows = [row(), row(), row()];
    // No company domain at all (a public mail address, no website): only the per-row lock keeps it single.
    const bare = row({ 'Champion email': `dana.${randomUUID().slice(0, 6)}@gmail.com`, Website: null });
    const open = row({ Stage: 'Open' });

    const [a, b] = await Promise.all([sync(org), sync(org)]);
    expect(a.created + b.created).toBe(4);
    for (const r of [...rows, bare]) {
      const made = await accountsNamed(org.orgId, r.name);
      expect(made, r.name).toHaveLength(1);
      expect(await record(r.id)).toMatchObject({ outcome: 'created', accountId: made[0]!.id, recordUrl: `https://www.notion.so/${r.id.replaceAll('-', '')}`, reason: null });
      expect(fake.readRow(r.id)).toMatchObject({ 'Relay link': `${TEST_PUBLIC_URL}/accounts/${made[0]!.id}`, 'Relay status': 'Created' });
    }
    const [first] = await accountsNamed(org.orgId, rows[0]!.name);
    expect(first).toMatchObject({ status: 'pending_handoff', arr: 48_000, aeEmail: 'ae.sam@relay.example', primaryContactEmail: `dana@${rows[0]!.domain}`, notes: 'Needs SSO before rollout.' });

    // The filter: an Open row is not read at all.
    expect(await record(open.id)).toBeUndefined();
    expect(await accountsNamed(org.orgId, open.name)).toHaveLength(0);

    // Again: the rows come back (the cursor's minute, and Relay's own write-back), nothing is made or written twice.
    const writesBefore = fake.requests.filter((r) => r.method === 'PATCH').length;
    const again = await sync(org);
    expect(again).toMatchObject({ created: 0, linked: 0, writtenBack: 0 });
    expect(again.found).toBeGreaterThanOrEqual(4);
    expect(fake.requests.filter((r) => r.method === 'PATCH').length).toBe(writesBefore);
    for (const r of [...rows, bare]) expect(await accountsNamed(org.orgId, r.name)).toHaveLength(1);
    expect((await connectionsView(org)).json.items[0]!.cursor).not.toBeNull();
  });

  it('does not create a row twice when it is edited later, and takes an Open row once it is Closed Won (Sync now)', async () => {
    const edited = row();
    const later = row({ Stage: 'Open' });
    await sync(org);
    expect((await record(edited.id))?.outcome).toBe('created');
    expect(await record(later.id)).toBeUndefined();

    fake.editRow(edited.id, { Notes: 'Renewal moved to March.', ARR: 52_000 });
    fake.editRow(later.id, { Stage: 'Closed Won' });
    const res = await org.api('/api/connectors/notion/sync', { body: {} });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: connectorScheduleId(connectionId) });
    const done = await eventually(async () => (await record(later.id))?.outcome === 'created', { what: 'the row moved to Closed Won', timeoutMs: 45_000 });
    expect(done).toBe(true);
    expect(await accountsNamed(org.orgId, edited.name)).toHaveLength(1);
    expect(await accountsNamed(org.orgId, later.name)).toHaveLength(1);
    expect((await record(edited.id))?.outcome).toBe('created');
  });

  it('links a row for a company Relay already has instead of duplicating it', async () => {
    const body = accountBody({ companyName: 'Already Here' });
    const domain = new URL(body.website).hostname.replace(/^www\./, '');
    const created = await org.api('/api/accounts', { body });
    const { id } = await created.json() as { id: string };
    const r = row({ Name: 'Already Here Inc', Website: `https://${domain}`, 'Champion email': `pat@${domain}` });
    expect(await sync(org)).toMatchObject({ linked: 1 });
    expect(await record(r.id)).toMatchObject({ outcome: 'linked', accountId: id });
    expect(fake.readRow(r.id)).toMatchObject({ 'Relay link': `${TEST_PUBLIC_URL}/accounts/${id}`, 'Relay status': 'Linked' });
    expect(await accountsNamed(org.orgId, 'Already Here Inc')).toHaveLength(0);
  });

  it('reports a row it cannot map with the property and the reason, on the row too, and takes it once fixed', async () => {
    const noEmail = row({ 'Champion email': null });
    const result = await sync(org);
    expect(result.failed).toBeGreaterThanOrEqual(1);
    const reason = '"Champion email" is empty (Relay needs the primary contact\'s email)';
    expect(await record(noEmail.id)).toMatchObject({ outcome: 'failed', accountId: null, reason });
    expect(fake.readRow(noEmail.id)).toMatchObject({ 'Relay status': `Needs attention: ${reason}`, 'Relay link': null });
    const view = await connectionsView(org);
    expect(view.json.items[0]!.recentFailures.find((f) => f.externalId === noEmail.id)?.reason).toBe(reason);
    expect(await accountsNamed(org.orgId, noEmail.name)).toHaveLength(0);

    fake.editRow(noEmail.id, { 'Champion email': `dana@${noEmail.domain}` });
    await sync(org);
    const fixed = await record(noEmail.id);
    expect(fixed).toMatchObject({ outcome: 'created', reason: null });
    expect(fake.readRow(noEmail.id)).toMatchObject({ 'Relay status': 'Created', 'Relay link': `${TEST_PUBLIC_URL}/accounts/${fixed!.accountId}` });
  });

  it('rides out a 429 storm in the middle of a sync without losing or doubling a row', async () => {
    const rows = [row(), row(), row()];
    const before = fake.requests.length;
    const running = sync(org);
    // The data source, the query and the first row's write-back; then Notion is down once and says slow down, three times.
    await eventually(async () => fake.requests.length >= before + 3, { what: 'the sync under way' });
    fake.once(notionReply.unavailable(), notionReply.rateLimited(1), notionReply.rateLimited(1), notionReply.rateLimited(2));
    await running;
    const limited = fake.requests.slice(before).length;
    expect(limited).toBeGreaterThan(3 + 4);
    for (const r of rows) {
      const made = await accountsNamed(org.orgId, r.name);
      expect(made, r.name).toHaveLength(1);
      expect(await record(r.id)).toMatchObject({ outcome: 'created', accountId: made[0]!.id });
      expect(fake.readRow(r.id)).toMatchObject({ 'Relay link': `${TEST_PUBLIC_URL}/accounts/${made[0]!.id}`, 'Relay status': 'Created' });
    }
  });
});

describe('a second database: ARR as text, the template from a property, the status as a select', () => {
  it('reads ARR typed as text, reports one that is not a number, and picks the template per row', async () => {
    const other = await h.newOrganisation();
    const second = fake.addDatabase({
      title: 'Signed', dataSources: [{ name: 'Signed', properties: {
        Company: 'title', ARR: 'rich_text', Closed: 'date', Contact: 'rich_text', Email: 'email', Plan: { select: ['Quick Start', 'Nope'] },
        Status: { status: ['New', 'Signed'] }, 'Relay status': { select: [] },
      } }],
    });
    const res = await connect(other, {
      token: TOKEN, databaseId: second.dataSourceId, templateName: 'Quick Start', templateProperty: 'Plan', filter: { property: 'Status', equals: 'Signed' },
      mapping: { companyName: 'Company', arr: 'ARR', closeDate: 'Closed', primaryContactName: 'Contact', primaryContactEmail: 'Email' },
    });
    expect(res.status).toBe(200);
    const otherId = res.json.id;
    const add = (values: Record<string, unknown>) => {
      const slug = randomUUID().slice(0, 8);
      return fake.addRow(second.dataSourceId, { Company: `Signed Co ${slug}`, ARR: '$36,000', Closed: '2026-10-01', Contact: 'Pat Doe', Email: `pat@signed-${slug}.example`, Status: 'Signed', ...values });
    };
    const good = add({ Plan: 'Quick Start' });
    const words = add({ ARR: 'about fifty k' });
    const noTemplate = add({ Plan: 'Nope' });
    const result = await sync(other, otherId);
    expect(result).toMatchObject({ created: 1, failed: 2 });
    expect(await record(good, otherId)).toMatchObject({ outcome: 'created' });
    expect(await record(words, otherId)).toMatchObject({ outcome: 'failed', reason: '"ARR" is not a number ("about fifty k"); Relay needs ARR in whole dollars' });
    expect(await record(noTemplate, otherId)).toMatchObject({ outcome: 'failed', reason: '"Plan" names the template "Nope", which this organisation does not have' });
    expect(fake.readRow(good)['Relay status']).toBe('Created');
    expect(fake.readRow(words)['Relay status']).toBe('Needs attention');
    // Each organisation sees its own connection only.
    expect((await connectionsView(other)).json.items.map((i) => i.id)).toEqual([otherId]);
    expect((await connectionsView(org)).json.items.map((i) => i.id)).toEqual([connectionId]);
  });
});

describe('the connect form on the connectors page', () => {
  it('connects Notion from the form: each error beside the field it names, the token never shown back', async () => {
    const formOrg = await h.newOrganisation();
    const admin = await signIn(h, formOrg.adminEmail);
    const empty = await (await admin.get('/settings/connectors')).text();
    expect(empty).toContain('action="/settings/connectors/notion"');
    const fields: Record<string, string> = {
      token: TOKEN, databaseId: randomUUID(), 'mapping.companyName': 'Name', 'mapping.arr': 'ARR', 'mapping.closeDate': 'Close date',
      'mapping.primaryContactName': 'Champion', 'mapping.primaryContactEmail': 'Champion email', 'mapping.aeEmail': 'Owner', 'mapping.website': '', 'mapping.notes': 'Notes',
      'filter.property': 'Stage', 'filter.equals': 'Closed Won', templateName: 'Quick Start', templateProperty: '', intervalMinutes: '30',
    };
    const errorOf = (html: string, id: string) => new RegExp(`id="notion-${id}-error">([^<]*)<`).exec(html)?.[1];

    // The form's own checks first: interval, template, a filter half filled, required mapping fields.
    const local = await admin.post('/settings/connectors/notion', { ...fields, intervalMinutes: '0', templateName: '', 'filter.equals': '', 'mapping.arr': '' });
    expect(local.status).toBe(422);
    let html = await local.text();
    expect(html).not.toContain(TOKEN);
    expect(errorOf(html, 'intervalMinutes')).toBe('Enter a whole number of minutes, from 1 to 1440');
    expect(errorOf(html, 'templateName')).toBe('Choose the template new accounts get');
    expect(errorOf(html, 'filter-equals')).toBe('Enter the value rows must have, or leave both filter fields empty');
    expect(/<input[^>]*name="token"[^>]*>/.exec(html)?.[0]).not.toContain('value=');
    expect(/name="mapping.companyName"[^>]*value="([^"]*)"/.exec(html)?.[1]).toBe('Name');

    // Then Notion's: the database is not shared with the integration.
    const unknownDatabase = await admin.post('/settings/connectors/notion', fields);
    expect(unknownDatabase.status).toBe(422);
    html = await unknownDatabase.text();
    expect(html).not.toContain(TOKEN);
    expect(errorOf(html, 'databaseId')).toContain('shared with the integration');

    // A mapping the database cannot fill, and a filter value it does not have.
    const databaseUrl = `https://www.notion.so/acme/Closed-deals-${database.databaseId.replaceAll('-', '')}`;
    const badMapping = await admin.post('/settings/connectors/notion', { ...fields, databaseId: databaseUrl, 'mapping.arr': 'Amount', 'filter.equals': 'Won' });
    expect(badMapping.status).toBe(422);
    html = await badMapping.text();
    expect(errorOf(html, 'mapping-arr')).toContain('The data source has no property &quot;Amount&quot;');
    expect(errorOf(html, 'filter-equals')).toBeTruthy();
    expect(errorOf(html, 'databaseId')).toBeUndefined();

    // A token Notion refuses.
    const badToken = await admin.post('/settings/connectors/notion', { ...fields, databaseId: databaseUrl, token: 'ntn_not_a_token_we_know' });
    expect(errorOf(await badToken.text(), 'token')).toContain('Notion refused this token');
    expect((await connectionsView(formOrg)).json.items).toEqual([]);

    const connected = await admin.post('/settings/connectors/notion', { ...fields, databaseId: databaseUrl });
    expect(connected.status, await connected.clone().text()).toBe(303);
    expect(connected.headers.get('location')).toBe('/settings/connectors?done=connected&provider=notion');
    const view = (await connectionsView(formOrg)).json.items[0]!;
    schedules.push(connectorScheduleId(view.id));
    expect(view).toMatchObject({
      provider: 'notion', status: 'active',
      settings: { databaseId: database.databaseId, filter: { property: 'Stage', equals: 'Closed Won' }, templateName: 'Quick Start', templateProperty: null, intervalMinutes: 30 },
    });
    expect(view.settings.mapping).toEqual({ ...MAPPING, website: undefined });
    const page = await (await admin.get('/settings/connectors?done=connected&provider=notion')).text();
    expect(page).not.toContain(TOKEN);
    expect(page).toContain('Notion is connected.');
    expect(/<section class="card" id="connector-notion"[\s\S]*?<\/section>/.exec(page)?.[0]).toContain('data-connection-status="active"');
    // The form for a reconnect is filled from the settings, the token left empty.
    expect(/name="mapping.arr"[^>]*value="([^"]*)"/.exec(page)?.[1]).toBe('ARR');
    expect(/name="filter.equals"[^>]*value="([^"]*)"/.exec(page)?.[1]).toBe('Closed Won');
  });
});

describe('tenancy and a revoked token', () => {
  it('another organisation sees no connection, cannot sync it, and has none of its accounts', async () => {
    const stranger = await h.newOrganisation();
    expect((await connectionsView(stranger)).json.items).toEqual([]);
    expect((await stranger.api('/api/connectors/notion/sync', { body: {} })).status).toBe(404);
    expect(await h.database.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.orgId, stranger.orgId))).toEqual([]);
  });

  it('a revoked token puts the connection in needs_reauth with the reason; reconnecting brings it back', async () => {
    fake.revokeToken(TOKEN);
    const waiting = row();
    await expect(sync(org)).rejects.toThrow();
    const view = await connectionsView(org);
    expect(view.json.items[0]).toMatchObject({ status: 'needs_reauth' });
    expect(view.json.items[0]!.lastError).toMatch(/Notion refused the integration token.*401.*Reconnect Notion with a valid integration token/);
    expect(view.text).not.toContain(TOKEN);
    expect(await record(waiting.id)).toBeUndefined();

    const again = await connect(org, connectBody({ token: SECOND_TOKEN }));
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(connectionId);
    expect(JSON.stringify(again.json)).not.toContain(SECOND_TOKEN);
    await sync(org);
    expect((await record(waiting.id))?.outcome).toBe('created');
    expect((await connectionsView(org)).json.items[0]).toMatchObject({ status: 'active', lastError: null });
  });
});
