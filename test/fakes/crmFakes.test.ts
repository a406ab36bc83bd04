import { createHmac } from 'node:crypto';
import { Client as HubSpotClient, Signature } from '@hubspot/api-client';
// The search filter's operator enum is not re-exported from the package root.
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/deals/index.js';
import {
  APIErrorCode, APIResponseError, ClientErrorCode, Client as NotionClient, collectAllDataSourceRows, collectPaginatedAPI,
  isFullDatabase, isFullDataSource, isFullPage, LogLevel, type PageObjectResponse,
} from '@notionhq/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dealStageWebhookBody, hubspotReply, signWebhook, startHubSpotFake } from './hubspotFake.ts';
import { notionReply, startNotionFake } from './notionFake.ts';

/** What `@hubspot/api-client` throws for a non-2xx answer (its ApiException; the class is not exported). */
interface HubSpotApiError { code: number; body: { status?: string; message?: string; category?: string; policyName?: string }; headers: Record<string, string> }

async function rejection<E = unknown>(promise: Promise<unknown>): Promise<E> {
  return promise.then(() => { throw new Error('expected the call to fail'); }, (error: unknown) => error as E);
}

const HUBSPOT_TOKEN = 'pat-na1-fake-private-app-token';

describe('HubSpot fake through @hubspot/api-client', () => {
  let fake: Awaited<ReturnType<typeof startHubSpotFake>>;
  beforeAll(async () => { fake = await startHubSpotFake({ accessTokens: [HUBSPOT_TOKEN] }); });
  afterAll(async () => { await fake?.close(); });
  const hubspot = (extra: { numberOfApiCallRetries?: number; accessToken?: string } = {}) =>
    new HubSpotClient({ accessToken: HUBSPOT_TOKEN, basePath: fake.url, ...extra });

  it('reads a deal with its associated company and contacts, its owner and the pipeline stages', async () => {
    const { dealId, companyId, contactIds, ownerId } = fake.addDeal({
      dealname: 'Globex rollout', amount: 120000, closedate: '2026-11-01', dealstage: 'contractsent', description: 'Champion is the VP of Ops.',
      company: { name: 'Globex', domain: 'globex.example', industry: 'MACHINERY', numberofemployees: 800, website: 'https://globex.example' },
      contacts: [
        { firstname: 'Hank', lastname: 'Scorpio', email: 'hank@globex.example', jobtitle: 'CEO' },
        { firstname: 'Frank', lastname: 'Grimes', email: 'frank@globex.example' },
      ],
      owner: { email: 'ae@relay.example', firstName: 'Ada', lastName: 'Exec' },
    });
    const client = hubspot();

    const deal = await client.crm.deals.basicApi.getById(dealId,
      ['dealname', 'amount', 'closedate', 'dealstage', 'pipeline', 'hubspot_owner_id', 'description', 'hs_lastmodifieddate'], undefined, ['companies', 'contacts']);
    const sent = fake.requests.at(-1)!;
    expect(sent.method).toBe('GET');
    expect(sent.path).toMatch(new RegExp(`^/crm/v3/objects/deals/${dealId}\\?properties=dealname&properties=amount&`));
    expect(sent.path).toContain('associations=companies&associations=contacts');
    expect(sent.headers.authorization).toBe(`Bearer ${HUBSPOT_TOKEN}`);
    expect(deal.id).toBe(dealId);
    expect(deal.properties).toMatchObject({
      dealname: 'Globex rollout', amount: '120000', closedate: '2026-11-01T00:00:00.000Z', dealstage: 'contractsent',
      pipeline: 'default', hubspot_owner_id: ownerId, description: 'Champion is the VP of Ops.', hs_object_id: dealId,
    });
    expect(deal.updatedAt).toBeInstanceOf(Date);
    expect(deal.associations?.companies?.results).toEqual([expect.objectContaining({ id: companyId, type: 'deal_to_company' })]);
    expect(deal.associations?.contacts?.results.map((r) => r.id)).toEqual(contactIds);

    const company = await client.crm.companies.basicApi.getById(companyId!, ['name', 'domain', 'industry', 'numberofemployees', 'website']);
    expect(company.properties).toMatchObject({ name: 'Globex', domain: 'globex.example', numberofemployees: '800', website: 'https://globex.example' });

    const contacts = await client.crm.contacts.batchApi.read({
      inputs: contactIds.map((id) => ({ id })), properties: ['firstname', 'lastname', 'email', 'jobtitle'], propertiesWithHistory: [],
    });
    expect(contacts.results.map((c) => c.properties.email).sort()).toEqual(['frank@globex.example', 'hank@globex.example']);
    expect(contacts.results.find((c) => c.properties.firstname === 'Frank')?.properties.jobtitle).toBeNull();

    const owner = await client.crm.owners.ownersApi.getById(Number(ownerId));
    expect(owner).toMatchObject({ id: ownerId, email: 'ae@relay.example', firstName: 'Ada', lastName: 'Exec' });

    const pipelines = await client.crm.pipelines.pipelinesApi.getAll('deals');
    const stages = pipelines.results[0]!.stages;
    expect(stages.map((s) => s.id)).toContain('contractsent');
    expect(stages.find((s) => s.id === 'closedwon')?.metadata).toEqual({ isClosed: 'true', probability: '1' });

    const missing = await rejection<HubSpotApiError>(client.crm.deals.basicApi.getById('404404404'));
    expect(missing.code).toBe(404);
    expect(missing.body.category).toBe('OBJECT_NOT_FOUND');
  });

  it('searches deals changed since a time, by stage, oldest change first, page by page', async () => {
    const ids = ['A', 'B', 'C', 'D', 'E'].map((n) => fake.addDeal({ dealname: `Search ${n}`, dealstage: 'presentationscheduled' }).dealId);
    const since = fake.moveDealToStage(ids[3]!, 'closedwon');
    fake.moveDealToStage(ids[1]!, 'closedlost');
    fake.moveDealToStage(ids[0]!, 'closedwon');
    fake.moveDealToStage(ids[4]!, 'contractsent'); // changed, but to a stage not asked for

    const client = hubspot();
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await client.crm.deals.searchApi.doSearch({
        filterGroups: [{
          filters: [
            { propertyName: 'hs_lastmodifieddate', operator: FilterOperatorEnum.Gte, value: String(since) },
            { propertyName: 'dealstage', operator: FilterOperatorEnum.In, values: ['closedwon', 'closedlost'] },
            { propertyName: 'pipeline', operator: FilterOperatorEnum.Eq, value: 'default' },
          ],
        }],
        // The SDK types sorts as string[]; HubSpot wants objects (HubSpot/hubspot-api-nodejs#559).
        sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }] as unknown as string[],
        properties: ['dealname', 'dealstage'], limit: 2, ...(after ? { after } : {}),
      });
      expect(page.total).toBe(3);
      seen.push(...page.results.map((r) => r.id));
      expect(page.results[0]?.properties).toHaveProperty('hs_lastmodifieddate');
      after = page.paging?.next?.after;
      pages++;
    } while (after);
    expect(pages).toBe(2);
    expect(seen).toEqual([ids[3], ids[1], ids[0]]);

    const body = fake.requests.at(-1)!.body as { after?: string; limit: number };
    expect(body).toMatchObject({ after: '2', limit: 2 });

    // A filter on a later time (GT the last change) finds nothing.
    const none = await client.crm.deals.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: FilterOperatorEnum.Gt, value: String(Date.now() + 60_000) }] }],
      sorts: [], properties: [], limit: 10,
    });
    expect(none).toMatchObject({ total: 0, results: [] });
    expect(none.paging).toBeUndefined();
  });

  it('exchanges an OAuth code and a refresh token, and tells the portal of a token', async () => {
    const redirectUri = 'https://relay.example/integrations/hubspot/callback';
    const code = fake.issueAuthCode(redirectUri);
    const anonymous = new HubSpotClient({ basePath: fake.url });
    const tokens = await anonymous.oauth.tokensApi.create('authorization_code', code, redirectUri, fake.app.clientId, fake.app.clientSecret);
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/oauth/v1/token');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent.body).toEqual({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: fake.app.clientId, client_secret: fake.app.clientSecret });
    // The SDK maps the snake_case answer to camelCase.
    expect(tokens).toMatchObject({ tokenType: 'bearer', expiresIn: 1800 });
    expect(tokens.accessToken).toBeTruthy();
    expect(tokens.refreshToken).toBeTruthy();

    const info = await anonymous.oauth.accessTokensApi.get(tokens.accessToken);
    expect(info).toMatchObject({ hubId: fake.portalId, token: tokens.accessToken, tokenType: 'access' });
    await expect(hubspot({ accessToken: tokens.accessToken }).crm.pipelines.pipelinesApi.getAll('deals')).resolves.toBeTruthy();

    const reused = await rejection<HubSpotApiError>(anonymous.oauth.tokensApi.create('authorization_code', code, redirectUri, fake.app.clientId, fake.app.clientSecret));
    expect(reused.code).toBe(400);
    expect(reused.body.message).toBe('missing or unknown auth code');

    const refreshed = await anonymous.oauth.tokensApi.create('refresh_token', undefined, undefined, fake.app.clientId, fake.app.clientSecret, tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);

    fake.expireToken(refreshed.accessToken);
    const expired = await rejection<HubSpotApiError>(hubspot({ accessToken: refreshed.accessToken }).crm.pipelines.pipelinesApi.getAll('deals'));
    expect(expired.code).toBe(401);
    expect(expired.body.category).toBe('EXPIRED_AUTHENTICATION');

    fake.revokeToken(tokens.refreshToken);
    const revoked = await rejection<HubSpotApiError>(anonymous.oauth.tokensApi.create('refresh_token', undefined, undefined, fake.app.clientId, fake.app.clientSecret, tokens.refreshToken));
    expect(revoked.code).toBe(400);
    expect(revoked.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' });
  });

  it('answers 401 with INVALID_AUTHENTICATION for a revoked token', async () => {
    const code = fake.issueAuthCode();
    const tokens = await new HubSpotClient({ basePath: fake.url }).oauth.tokensApi
      .create('authorization_code', code, 'http://localhost/oauth/hubspot/callback', fake.app.clientId, fake.app.clientSecret);
    fake.revokeToken(tokens.accessToken);
    const error = await rejection<HubSpotApiError>(hubspot({ accessToken: tokens.accessToken }).crm.deals.basicApi.getById('1'));
    expect(error.code).toBe(401);
    expect(error.body).toMatchObject({ category: 'INVALID_AUTHENTICATION', message: expect.stringContaining('Authentication credentials not found') });
  });

  it('SDK retries (numberOfApiCallRetries = attempts in all) cover 5xx and 429s, on fixed delays that ignore Retry-After', async () => {
    const { dealId } = fake.addDeal({ dealname: 'Retry me' });
    let before = fake.requests.length;
    fake.once(hubspotReply.serverError());
    await expect(hubspot({ numberOfApiCallRetries: 2 }).crm.deals.basicApi.getById(dealId)).resolves.toMatchObject({ id: dealId });
    expect(fake.requests.length - before).toBe(2); // after 200 ms

    // 1 means a single attempt: nothing is retried.
    before = fake.requests.length;
    fake.once(hubspotReply.serverError());
    expect((await rejection<HubSpotApiError>(hubspot({ numberOfApiCallRetries: 1 }).crm.deals.basicApi.getById(dealId))).code).toBe(500);
    expect(fake.requests.length - before).toBe(1);

    // The search limit's 429 is retried after 1 s × attempt (TEN_SECONDLY_ROLLING after 10 s × attempt),
    // whatever Retry-After says.
    before = fake.requests.length;
    fake.once(hubspotReply.secondlyLimited(30));
    await expect(hubspot({ numberOfApiCallRetries: 2 }).crm.deals.basicApi.getById(dealId)).resolves.toMatchObject({ id: dealId });
    expect(fake.requests.length - before).toBe(2);

    // Without retries the error keeps HubSpot's whole body (policyName included) and the headers.
    fake.once(hubspotReply.rateLimited(3));
    const error = await rejection<HubSpotApiError>(hubspot().crm.deals.basicApi.getById(dealId));
    expect(error.code).toBe(429);
    expect(error.headers['retry-after']).toBe('3');
    expect(error.body).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING', message: 'You have reached your ten_secondly_rolling limit.' });

    // The decorators are process-wide: building another client without retries turns them off
    // for APIs an earlier client has not instantiated yet.
    const retrying = hubspot({ numberOfApiCallRetries: 2 });
    hubspot();
    fake.once(hubspotReply.serverError());
    expect((await rejection<HubSpotApiError>(retrying.crm.deals.basicApi.getById(dealId))).code).toBe(500);
  });

  it('webhook helpers sign as HubSpot does and build its deal-stage payload', () => {
    const body = JSON.stringify(dealStageWebhookBody({ portalId: fake.portalId, dealId: '31000000042', stageId: 'closedwon', eventId: 7, occurredAt: 1_760_000_000_000 }));
    const url = 'https://relay.example/webhooks/hubspot';
    const clientSecret = fake.app.clientSecret;
    const headers = signWebhook({ clientSecret, url, body, timestamp: Date.now() });
    const timestamp = Number(headers['X-HubSpot-Request-Timestamp']);
    expect(headers['X-HubSpot-Signature-v3']).toBe(createHmac('sha256', clientSecret).update(`POST${url}${body}${timestamp}`).digest('base64'));
    expect(Signature.isValid({ signatureVersion: 'v3', method: 'POST', url, requestBody: body, clientSecret, timestamp, signature: headers['X-HubSpot-Signature-v3']! })).toBe(true);
    // HubSpot signs the URI with these escapes decoded (and only these).
    expect(signWebhook({ clientSecret, url: `${url}?next=a%3Ab%2Fc&q=%20`, body, timestamp })['X-HubSpot-Signature-v3'])
      .toBe(signWebhook({ clientSecret, url: `${url}?next=a:b/c&q=%20`, body, timestamp })['X-HubSpot-Signature-v3']);
    expect(JSON.parse(body)).toEqual([expect.objectContaining({
      eventId: 7, portalId: fake.portalId, objectId: 31000000042, occurredAt: 1_760_000_000_000, subscriptionType: 'deal.propertyChange',
      propertyName: 'dealstage', propertyValue: 'closedwon', attemptNumber: 0, appId: expect.any(Number), subscriptionId: expect.any(Number), changeSource: 'CRM_UI',
    })]);
  });
});

describe('HubSpot fake: rate limit and a hanging portal', () => {
  it('answers 429 past the ten-second budget, with Retry-After and the rate-limit headers', async () => {
    const fake = await startHubSpotFake({ accessTokens: [HUBSPOT_TOKEN], rateLimit: { perTenSeconds: 2 } });
    try {
      const client = new HubSpotClient({ accessToken: HUBSPOT_TOKEN, basePath: fake.url });
      const first = await client.crm.pipelines.pipelinesApi.getAllWithHttpInfo('deals');
      expect(first.headers['x-hubspot-ratelimit-max']).toBe('2');
      expect(first.headers['x-hubspot-ratelimit-remaining']).toBe('1');
      await client.crm.pipelines.pipelinesApi.getAll('deals');
      const error = await rejection<HubSpotApiError>(client.crm.pipelines.pipelinesApi.getAll('deals'));
      expect(error.code).toBe(429);
      expect(Number(error.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(error.body.message).toBe('You have reached your ten_secondly_rolling limit.');
    } finally {
      await fake.close();
    }
  });

  it('can hang: the SDK has no timeout of its own, the call waits until the connection dies', async () => {
    const fake = await startHubSpotFake({ accessTokens: [HUBSPOT_TOKEN] });
    fake.once(hubspotReply.hang());
    const pending = new HubSpotClient({ accessToken: HUBSPOT_TOKEN, basePath: fake.url }).crm.pipelines.pipelinesApi.getAll('deals');
    const outcome = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('still waiting'), 300))]);
    expect(outcome).toBe('still waiting');
    await fake.close();
    await expect(pending).rejects.toThrow();
  });
});

const NOTION_TOKEN = 'ntn_fake_integration_token';
const ACCOUNT_COLUMNS = {
  Name: 'title', Stage: { select: ['Kickoff', 'Live'] }, Status: { status: ['Not started', 'In progress', 'Done'] }, ARR: 'number',
  'Close date': 'date', 'Champion email': 'email', CSM: 'people', 'Handoff link': 'url', Notes: 'rich_text',
} as const;

describe('Notion fake through @notionhq/client', () => {
  let clock = Date.parse('2025-10-01T09:00:10.000Z');
  let fake: Awaited<ReturnType<typeof startNotionFake>>;
  let ids: { databaseId: string; dataSourceId: string; dataSourceIds: string[] };
  beforeAll(async () => {
    fake = await startNotionFake({ tokens: [NOTION_TOKEN], now: () => clock });
    ids = fake.addDatabase({ title: 'Customer onboarding', dataSources: [{ name: 'Accounts', properties: ACCOUNT_COLUMNS }, { name: 'Archive', properties: { Name: 'title' } }] });
  });
  afterAll(async () => { await fake?.close(); });
  const notion = (extra: ConstructorParameters<typeof NotionClient>[0] = {}) => new NotionClient({ auth: NOTION_TOKEN, baseUrl: fake.url, logLevel: LogLevel.ERROR, ...extra });
  const minutes = (n: number) => { clock += n * 60_000; };

  it('retrieves a database, its data sources and their schema', async () => {
    const database = await notion().databases.retrieve({ database_id: ids.databaseId.replaceAll('-', '') });
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe(`/v1/databases/${ids.databaseId.replaceAll('-', '')}`);
    expect(sent.headers['notion-version']).toBe('2025-09-03');
    expect(sent.headers.authorization).toBe(`Bearer ${NOTION_TOKEN}`);
    if (!isFullDatabase(database)) throw new Error('expected a full database');
    expect(database.data_sources).toEqual([{ id: ids.dataSourceId, name: 'Accounts' }, { id: ids.dataSourceIds[1], name: 'Archive' }]);

    const source = await notion().dataSources.retrieve({ data_source_id: database.data_sources[0]!.id });
    if (!isFullDataSource(source)) throw new Error('expected a full data source');
    expect(source.parent).toEqual({ type: 'database_id', database_id: ids.databaseId });
    expect(Object.keys(source.properties).sort()).toEqual(Object.keys(ACCOUNT_COLUMNS).sort());
    const stage = source.properties.Stage!;
    expect(stage.type === 'select' && stage.select.options.map((o) => o.name)).toEqual(['Kickoff', 'Live']);
    const status = source.properties.Status!;
    expect(status.type === 'status' && status.status.options.map((o) => o.name)).toEqual(['Not started', 'In progress', 'Done']);
    expect(source.properties.Name).toMatchObject({ id: 'title', type: 'title' });

    const missing = await rejection<APIResponseError>(notion().databases.retrieve({ database_id: '00000000-0000-4000-8000-000000000000' }));
    expect(missing.code).toBe(APIErrorCode.ObjectNotFound);
  });

  it('queries with select/status filters, a last-edited bound, ascending sort and paging', async () => {
    const row = (name: string, stage: string, status: string) => {
      minutes(1);
      return fake.addRow(ids.dataSourceId, { Name: name, Stage: stage, Status: status, ARR: 50000, 'Champion email': `${name.toLowerCase()}@example.com`, CSM: [{ id: 'b9f1c2d3-0000-4000-8000-000000000001', name: 'Cleo' }] });
    };
    const old = row('Old', 'Live', 'Done');
    minutes(10);
    const since = new Date(clock).toISOString();
    const a = row('Acme', 'Live', 'In progress');
    const b = row('Bolt', 'Kickoff', 'In progress');
    const c = row('Crux', 'Live', 'Done');
    const d = row('Dyno', 'Live', 'Not started');
    minutes(1);
    fake.editRow(a, { Notes: 'edited last' });

    const filter = {
      and: [
        { timestamp: 'last_edited_time' as const, last_edited_time: { on_or_after: since } },
        { property: 'Stage', select: { equals: 'Live' } },
        { or: [{ property: 'Status', status: { equals: 'In progress' } }, { property: 'Status', status: { equals: 'Done' } }] },
      ],
    };
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await notion().dataSources.query({
        data_source_id: ids.dataSourceId, filter, sorts: [{ timestamp: 'last_edited_time', direction: 'ascending' }], page_size: 1,
        ...(cursor ? { start_cursor: cursor } : {}),
      });
      seen.push(...page.results.map((r) => r.id));
      cursor = page.has_more ? page.next_cursor ?? undefined : undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual([c, a]);
    expect(pages).toBe(2);
    expect(seen).not.toContain(old);
    expect(seen).not.toContain(b);
    expect(seen).not.toContain(d);

    const all = await collectPaginatedAPI(notion().dataSources.query, { data_source_id: ids.dataSourceId, page_size: 2 });
    const acme = all.find((r) => r.id === a);
    if (!acme || !isFullPage(acme)) throw new Error('expected a full page');
    expect(acme.parent).toMatchObject({ type: 'data_source_id', data_source_id: ids.dataSourceId });
    expect(acme.properties.Name).toMatchObject({ type: 'title', title: [expect.objectContaining({ plain_text: 'Acme' })] });
    expect(acme.properties.Stage).toMatchObject({ type: 'select', select: { name: 'Live' } });
    expect(acme.properties.ARR).toMatchObject({ type: 'number', number: 50000 });
    expect(acme.properties.CSM).toMatchObject({ type: 'people', people: [{ object: 'user', id: 'b9f1c2d3-0000-4000-8000-000000000001' }] });
    expect(acme.properties['Handoff link']).toMatchObject({ type: 'url', url: null });
    // Notion keeps times to the minute.
    expect(acme.last_edited_time).toMatch(/:00\.000Z$/);

    const mistyped = await rejection<APIResponseError>(notion().dataSources.query({ data_source_id: ids.dataSourceId, filter: { property: 'Status', select: { equals: 'Done' } } }));
    expect(mistyped.code).toBe(APIErrorCode.ValidationError);
    expect(mistyped.status).toBe(400);
  });

  it('a row edited again within the same minute keeps its last_edited_time, so on_or_after sees it again', async () => {
    minutes(5);
    const id = fake.addRow(ids.dataSourceId, { Name: 'Same minute', Stage: 'Kickoff' });
    const first = await notion().pages.retrieve({ page_id: id }) as PageObjectResponse;
    clock += 20_000;
    fake.editRow(id, { Stage: 'Live' });
    const again = await notion().dataSources.query({
      data_source_id: ids.dataSourceId, filter: { timestamp: 'last_edited_time', last_edited_time: { on_or_after: first.last_edited_time } },
    });
    expect(again.results.map((r) => r.id)).toContain(id);
    expect((again.results.find((r) => r.id === id) as PageObjectResponse).last_edited_time).toBe(first.last_edited_time);
  });

  it('pages.update writes back url, rich_text, select and status, and validates like Notion', async () => {
    const id = fake.addRow(ids.dataSourceId, { Name: 'Write back', Stage: 'Kickoff', Status: 'Not started' });
    minutes(2);
    const updated = await notion().pages.update({
      page_id: id,
      properties: {
        'Handoff link': { url: 'https://relay.example/handoff/abc' },
        Notes: { rich_text: [{ text: { content: 'Synced by Relay' } }] },
        Stage: { select: { name: 'Live' } },
        Status: { status: { name: 'Done' } },
      },
    });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'PATCH', path: `/v1/pages/${id}` });
    if (!isFullPage(updated)) throw new Error('expected a full page');
    expect(updated.properties['Handoff link']).toMatchObject({ type: 'url', url: 'https://relay.example/handoff/abc' });
    expect(updated.last_edited_time).toBe(new Date(Math.floor(clock / 60_000) * 60_000).toISOString());
    expect(fake.readRow(id)).toMatchObject({ Name: 'Write back', Stage: 'Live', Status: 'Done', Notes: 'Synced by Relay', 'Handoff link': 'https://relay.example/handoff/abc' });

    const badStatus = await rejection<APIResponseError>(notion().pages.update({ page_id: id, properties: { Status: { status: { name: 'Shipped' } } } }));
    expect(badStatus).toMatchObject({ code: APIErrorCode.ValidationError, status: 400 });
    const unknown = await rejection<APIResponseError>(notion().pages.update({ page_id: id, properties: { Nope: { url: null } } }));
    expect(unknown.message).toBe('Nope is not a property that exists.');
    const wrongType = await rejection<APIResponseError>(notion().pages.update({ page_id: id, properties: { Stage: { status: { name: 'Live' } } } }));
    expect(wrongType.message).toBe('Stage is expected to be select.');
    expect(fake.readRow(id).Status).toBe('Done');
  });

  it('answers 401 unauthorized for a bad or revoked token, without retries', async () => {
    const before = fake.requests.length;
    const error = await rejection<APIResponseError>(notion({ auth: 'ntn_wrong' }).dataSources.retrieve({ data_source_id: ids.dataSourceId }));
    expect(error).toBeInstanceOf(APIResponseError);
    expect(error).toMatchObject({ code: APIErrorCode.Unauthorized, status: 401, message: 'API token is invalid.' });
    expect(fake.requests.length - before).toBe(1);
  });

  it('429: the client retries by itself, honouring Retry-After; with retries off the error carries the header', async () => {
    const before = fake.requests.length;
    fake.once(notionReply.rateLimited(1));
    const started = Date.now();
    await expect(notion().dataSources.query({ data_source_id: ids.dataSourceId, page_size: 1 })).resolves.toMatchObject({ object: 'list' });
    expect(fake.requests.length - before).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    fake.once(notionReply.rateLimited(7));
    const error = await rejection<APIResponseError>(notion({ retry: false }).dataSources.query({ data_source_id: ids.dataSourceId }));
    expect(error).toMatchObject({ code: APIErrorCode.RateLimited, status: 429 });
    expect((error.headers as Headers).get('retry-after')).toBe('7');
  });

  it('5xx is retried for GET but not for the POST of a query; a hang ends in the client timeout', async () => {
    const quick = notion({ retry: { maxRetries: 2, initialRetryDelayMs: 10 } });
    let before = fake.requests.length;
    fake.once(notionReply.serverError());
    await expect(quick.dataSources.retrieve({ data_source_id: ids.dataSourceId })).resolves.toMatchObject({ object: 'data_source' });
    expect(fake.requests.length - before).toBe(2);

    before = fake.requests.length;
    fake.once(notionReply.serverError());
    const error = await rejection<APIResponseError>(quick.dataSources.query({ data_source_id: ids.dataSourceId }));
    expect(error).toMatchObject({ code: APIErrorCode.InternalServerError, status: 500 });
    expect(fake.requests.length - before).toBe(1);

    fake.once(notionReply.hang());
    const timedOut = await rejection<{ code: string }>(notion({ timeoutMs: 200 }).dataSources.retrieve({ data_source_id: ids.dataSourceId }));
    expect(timedOut.code).toBe(ClientErrorCode.RequestTimeout);
  });
});

describe('Notion fake: rate limit and the per-query result limit', () => {
  it('answers 429 rate_limited past the per-second budget', async () => {
    const fake = await startNotionFake({ tokens: [NOTION_TOKEN], rateLimit: { perSecond: 3 } });
    try {
      const { databaseId } = fake.addDatabase({ title: 'T', dataSources: [{ name: 'S', properties: { Name: 'title' } }] });
      const notion = new NotionClient({ auth: NOTION_TOKEN, baseUrl: fake.url, retry: false, logLevel: LogLevel.ERROR });
      for (let i = 0; i < 3; i++) await notion.databases.retrieve({ database_id: databaseId });
      const error = await rejection<APIResponseError>(notion.databases.retrieve({ database_id: databaseId }));
      expect(error).toMatchObject({ code: APIErrorCode.RateLimited, status: 429 });
      expect((error.headers as Headers).get('retry-after')).toBe('1');
    } finally {
      await fake.close();
    }
  });

  it('stops a query at its result limit with request_status incomplete, which the SDK helper works around', async () => {
    let clock = Date.parse('2025-10-01T09:00:00.000Z');
    const fake = await startNotionFake({ tokens: [NOTION_TOKEN], queryResultLimit: 3, now: () => clock });
    try {
      const { dataSourceId } = fake.addDatabase({ title: 'Big', dataSources: [{ name: 'Rows', properties: { Name: 'title' } }] });
      const made = Array.from({ length: 7 }, (_, i) => { clock += 60_000; return fake.addRow(dataSourceId, { Name: `Row ${i}` }); });
      const notion = new NotionClient({ auth: NOTION_TOKEN, baseUrl: fake.url });
      const capped = await notion.dataSources.query({ data_source_id: dataSourceId, page_size: 100 });
      expect(capped).toMatchObject({ has_more: false, request_status: { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' } });
      expect(capped.results).toHaveLength(3);
      const rows = await collectAllDataSourceRows(notion, { data_source_id: dataSourceId });
      expect(rows.map((r) => r.id)).toEqual(made);
    } finally {
      await fake.close();
    }
  });
});
