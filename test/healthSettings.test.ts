import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, ScheduleNotFoundError } from '@temporalio/client';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.tsx';
import { healthConfigs } from '../db/schema/index.ts';
import { DEFAULT_HEALTH_CONFIG, type HealthConfig } from '../domain/health.ts';
import { healthScheduleId } from '../workflows/healthDefinitions.ts';
import { signIn } from './dashboardClient.ts';
import { createHarness, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
/** Every organisation made here: its schedule (if a save made one) is deleted afterwards, so the dev server never runs it. */
const orgs: TestOrganisation[] = [];
const runs: string[] = [];

beforeAll(async () => { h = await createHarness({ startWorker: false }); });
afterAll(async () => {
  for (const org of orgs) {
    await h.deps.temporal.schedule.getHandle(healthScheduleId(org.orgId)).delete().catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
  }
  // The scoring workflow may not be registered on this file's queue: its runs would wait forever.
  for (const id of runs) await h.deps.temporal.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
  await h?.close();
});

async function newOrg(): Promise<TestOrganisation> {
  const org = await h.newOrganisation();
  orgs.push(org);
  return org;
}

interface ErrorBody { error: { code: string; message: string; fields?: { field: string; message: string }[] } }
interface ConfigBody { version: number; config: HealthConfig; createdAt: string | null; bands: Record<string, string[]>; versions: { version: number; createdAt: string }[] }
interface SavedBody { version: number; config: HealthConfig; changed: boolean; schedule: 'applied' | 'pending'; message: string }

const put = (org: TestOrganisation, body: unknown) => org.api('/api/health/config', { method: 'PUT', body });
const configOf = async (org: TestOrganisation) => (await org.api('/api/health/config')).json() as Promise<ConfigBody>;
const storedVersions = async (orgId: string) => (await h.database.db.select({ n: count() }).from(healthConfigs).where(eq(healthConfigs.orgId, orgId)))[0]!.n;

/** The defaults with changes applied: a full configuration, as PUT takes it. */
function configWith(change: (c: HealthConfig) => void): HealthConfig {
  const config = structuredClone(DEFAULT_HEALTH_CONFIG);
  change(config);
  return config;
}

async function scheduleOf(orgId: string) {
  return h.deps.temporal.schedule.getHandle(healthScheduleId(orgId)).describe();
}

describe('health configuration over the API', () => {
  it('answers the defaults as version 0, with each factor\'s bands in words, and leaves GET /api/health as liveness', async () => {
    const org = await newOrg();
    const res = await org.api('/api/health/config');
    expect(res.status).toBe(200);
    const body = await res.json() as ConfigBody;
    expect(body).toMatchObject({ version: 0, config: DEFAULT_HEALTH_CONFIG, createdAt: null, versions: [] });
    expect(body.bands.meetings).toEqual(['6 or more meetings → 100', '3–5 meetings → 75', '1–2 meetings → 40', '0 meetings → 0']);
    expect(body.bands.recent_activity?.[0]).toBe('≤ 7 days → 100');
    expect(Object.keys(body.bands)).toHaveLength(8);

    const live = await h.app.request('/api/health');
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    expect((await h.app.request('/api/health/config')).status).toBe(401);
  });

  it('saves each change as a new version and points the nightly schedule at its hour and timezone (overlap SKIP)', async () => {
    const org = await newOrg();
    const first = await put(org, configWith((c) => { c.factors.meetings.weight = 25; c.schedule = { hour: 5, timezone: 'Europe/Berlin' }; }));
    expect(first.status).toBe(200);
    const saved1 = await first.json() as SavedBody;
    expect(saved1).toMatchObject({ version: 1, changed: true, schedule: 'applied' });
    expect(saved1.message).toBe('Saved as version 1. Nightly scoring runs at 05:00 Europe/Berlin.');
    expect(saved1.config.factors.meetings.weight).toBe(25);

    let schedule = await scheduleOf(org.orgId);
    expect(schedule.spec.timezone).toBe('Europe/Berlin');
    expect(schedule.spec.calendars).toHaveLength(1);
    expect(schedule.spec.calendars![0]!.hour).toEqual([{ start: 5, end: 5, step: 1 }]);
    expect(schedule.spec.calendars![0]!.minute).toEqual([{ start: 0, end: 0, step: 1 }]);
    expect(schedule.policies.overlap).toBe('SKIP');
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'healthScoring', taskQueue: h.taskQueue });

    const second = await put(org, configWith((c) => {
      c.factors.meetings.weight = 25;
      c.factors.meetings.bands = [{ atLeast: 8, score: 100 }, { atLeast: 4, score: 70 }, { atLeast: 0, score: 10 }];
      c.schedule = { hour: 23, timezone: 'America/New_York' };
    }));
    expect(await second.json()).toMatchObject({ version: 2, changed: true, schedule: 'applied' });
    schedule = await scheduleOf(org.orgId);
    expect(schedule.spec.timezone).toBe('America/New_York');
    expect(schedule.spec.calendars![0]!.hour).toEqual([{ start: 23, end: 23, step: 1 }]);
    expect(schedule.policies.overlap).toBe('SKIP');

    const now = await configOf(org);
    expect(now.version).toBe(2);
    expect(now.createdAt).toEqual(expect.any(String));
    expect(now.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(now.bands.meetings).toEqual(['8 or more meetings → 100', '4–7 meetings → 70', '0–3 meetings → 10']);

    // The same configuration again changes nothing: no version 3, and the answer says so.
    const same = await put(org, now.config);
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ version: 2, changed: false, message: expect.stringMatching(/^No changes: version 2 stays in force\./) });
    expect(await storedVersions(org.orgId)).toBe(2);
  });

  it('refuses bad bands, weights and timezones with a 400 naming each field, and stores nothing', async () => {
    const org = await newOrg();
    const cases: [string, unknown, string, RegExp][] = [
      ['meetings not descending', configWith((c) => { c.factors.meetings.bands[2]!.atLeast = 4; }), 'factors.meetings.bands.2.atLeast', /descending/],
      ['an open band before the last', configWith((c) => { c.factors.overdue_tasks.bands[1]!.upTo = null; }), 'factors.overdue_tasks.bands.1.upTo', /only the last band/],
      ['a score over 100', configWith((c) => { c.factors.support_load.openBands[0]!.score = 120; }), 'factors.support_load.openBands.0.score', /^must be at most 100$/],
      ['a weight over 100', configWith((c) => { c.factors.recent_activity.weight = 150; }), 'factors.recent_activity.weight', /^must be at most 100$/],
      ['a fractional weight', configWith((c) => { c.factors.meetings.weight = 2.5; }), 'factors.meetings.weight', /^must be a whole number$/],
      ['a weight as text', configWith((c) => { (c.factors.meetings as { weight: unknown }).weight = 'ten'; }), 'factors.meetings.weight', /^must be a number$/],
      ['a pulse share over 90', configWith((c) => { c.factors.csm_pulse.weight = 95; }), 'factors.csm_pulse.weight', /at most 90/],
      ['every weight 0', configWith((c) => { for (const f of Object.values(c.factors)) f.weight = 0; }), 'factors', /at least one factor/],
      ['an unknown timezone', configWith((c) => { c.schedule.timezone = 'Mars/Olympus_Mons'; }), 'schedule.timezone', /IANA time zone/],
      ['an offset for a timezone', configWith((c) => { c.schedule.timezone = '+02:00'; }), 'schedule.timezone', /IANA time zone/],
      ['hour 24', configWith((c) => { c.schedule.hour = 24; }), 'schedule.hour', /^must be at most 23$/],
      ['an unknown field', { ...DEFAULT_HEALTH_CONFIG, colour: 'red' }, 'colour', /unknown field/],
      ['no factors', { schedule: { hour: 2, timezone: 'UTC' } }, 'factors', /must be an object/],
    ];
    for (const [what, body, field, message] of cases) {
      const res = await put(org, body);
      expect(res.status, what).toBe(400);
      const error = (await res.json() as ErrorBody).error;
      expect(error.code, what).toBe('validation');
      expect(error.fields?.find((f) => f.field === field)?.message, `${what}: ${JSON.stringify(error.fields)}`).toMatch(message);
    }
    const notJson = await put(org, '{"factors":');
    expect(notJson.status).toBe(400);
    expect((await notJson.json() as ErrorBody).error.fields?.[0]?.field).toBe('(body)');

    expect(await storedVersions(org.orgId)).toBe(0);
    expect((await configOf(org)).version).toBe(0);
    await expect(scheduleOf(org.orgId)).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('keeps the saved version while Temporal is unreachable, says the schedule will follow, and a later save brings it in line', async () => {
    const org = await newOrg();
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '500ms', interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))] });
    try {
      const unreachable = createApp({ ...h.deps, temporal: new Client({ connection }) });
      const body = configWith((c) => { c.schedule = { hour: 4, timezone: 'Asia/Tokyo' }; });
      const res = await unreachable.request('/api/health/config', {
        method: 'PUT', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      const saved = await res.json() as SavedBody;
      expect(saved).toMatchObject({ version: 1, changed: true, schedule: 'pending' });
      expect(saved.message).toContain('will move to 04:00 Asia/Tokyo when the worker next starts');
      expect((await configOf(org)).version).toBe(1);
      await expect(scheduleOf(org.orgId)).rejects.toBeInstanceOf(ScheduleNotFoundError);

      // Saving the same again (Temporal back) keeps version 1 and makes the schedule.
      expect(await (await put(org, body)).json()).toMatchObject({ version: 1, changed: false, schedule: 'applied' });
      const schedule = await scheduleOf(org.orgId);
      expect(schedule.spec.timezone).toBe('Asia/Tokyo');
      expect(schedule.spec.calendars![0]!.hour).toEqual([{ start: 4, end: 4, step: 1 }]);
    } finally {
      await connection.close();
    }
  });
});

describe('scoring runs over the API', () => {
  it('POST /api/health/runs starts a run of the organisation: 202 with its ID', async () => {
    const org = await newOrg();
    const res = await org.api('/api/health/runs', { method: 'POST' });
    expect(res.status).toBe(202);
    const { id } = await res.json() as { id: string };
    runs.push(id);
    expect(id.startsWith(`health-run-${org.orgId}-`)).toBe(true);
    const described = await h.deps.temporal.workflow.getHandle(id).describe();
    expect(described).toMatchObject({ workflowId: id, type: 'healthScoring', taskQueue: h.taskQueue });

    const unknown = await org.api(`/api/health/runs/health-run-${org.orgId}-manual-no-such-run`);
    expect(unknown.status).toBe(404);
    expect((await h.app.request('/api/health/runs', { method: 'POST' })).status).toBe(401);
  });
});

describe('tenancy', () => {
  it('another organisation never sees or changes this one\'s configuration, and cannot read its runs', async () => {
    const a = await newOrg();
    const b = await newOrg();
    expect((await put(a, configWith((c) => { c.factors.product_usage.weight = 40; c.schedule.hour = 7; }))).status).toBe(200);

    const seenByB = await configOf(b);
    expect(seenByB).toMatchObject({ version: 0, config: DEFAULT_HEALTH_CONFIG, versions: [] });
    expect(await (await put(b, configWith((c) => { c.schedule.hour = 9; }))).json()).toMatchObject({ version: 1 });
    const ownA = await configOf(a);
    expect(ownA.version).toBe(1);
    expect(ownA.config.factors.product_usage.weight).toBe(40);
    expect(ownA.config.schedule.hour).toBe(7);
    expect((await scheduleOf(a.orgId)).spec.calendars![0]!.hour).toEqual([{ start: 7, end: 7, step: 1 }]);
    expect((await scheduleOf(b.orgId)).spec.calendars![0]!.hour).toEqual([{ start: 9, end: 9, step: 1 }]);

    const { id } = await (await a.api('/api/health/runs', { method: 'POST' })).json() as { id: string };
    runs.push(id);
    const peek = await b.api(`/api/health/runs/${id}`);
    expect(peek.status).toBe(404);
    expect(await peek.json()).toMatchObject({ error: { code: 'not_found' } });

    // On the dashboard too: B's admin sees B's own version, and cannot open A's run.
    const adminB = await signIn(h, b.adminEmail);
    const page = await readable(await adminB.get('/settings/health'));
    expect(page).toContain('Version 1, saved');
    expect(valueOf(page, 'factors.product_usage.weight')).toBe('20');
    expect(valueOf(page, 'factors.product_usage.weight')).not.toBe('40');
    expect((await adminB.get(`/settings/health/runs/${id}`)).status).toBe(404);
  });
});

/** Page text as a person reads it: the entities Hono's escaping writes, decoded. */
const readable = async (res: Response) => (await res.text()).replace(/&#39;|&quot;|&amp;|&lt;|&gt;/g, (e) => ({ '&#39;': "'", '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>' })[e]!);
const valueOf = (html: string, name: string) => new RegExp(`name="${name.replace(/\./g, '\\.')}"[^>]*value="([^"]*)"`).exec(html)?.[1];

describe('health settings page (form posts)', () => {
  it('saves a form as a new version, and re-renders a bad one with what was typed and the error beside the field', async () => {
    const org = await newOrg();
    const admin = await signIn(h, org.adminEmail);
    const page = await admin.get('/settings/health');
    expect(page.status).toBe(200);
    const html = await readable(page);
    expect(html).toContain("Version 0: Relay's defaults.");
    expect(valueOf(html, 'factors.meetings.weight')).toBe('10');
    expect(valueOf(html, 'factors.meetings.bands.0.atLeast')).toBe('6');
    expect(html).toContain('Weights sum to 100;');
    expect(html).toContain('6 or more meetings → 100');

    // The form as posted: every field on the page, with the edits a person made.
    const fields = Object.fromEntries([...html.matchAll(/name="((?:factors|schedule)\.[^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    fields['schedule.hour'] = '2';
    const bad = await admin.post('/settings/health', { ...fields, 'factors.meetings.weight': '250', 'schedule.timezone': 'Nowhere/Land', _op: 'save' });
    expect(bad.status).toBe(422);
    const badHtml = await readable(bad);
    expect(badHtml).toContain('Nothing was saved: fix the 2 fields marked below.');
    expect(badHtml).toMatch(/id="hs-factors-meetings-weight-error">must be at most 100</);
    expect(badHtml).toMatch(/id="hs-schedule-timezone-error">must be an IANA time zone name/);
    expect(valueOf(badHtml, 'factors.meetings.weight')).toBe('250');
    expect(valueOf(badHtml, 'schedule.timezone')).toBe('Nowhere/Land');
    expect(await storedVersions(org.orgId)).toBe(0);

    // "Add a band" re-renders with an empty row before the fixed last one; nothing is stored.
    const added = await admin.post('/settings/health', { ...fields, _op: 'add-band:meetings:bands' });
    expect(added.status).toBe(200);
    const addedHtml = await added.text();
    expect(valueOf(addedHtml, 'factors.meetings.bands.3.atLeast')).toBe('');
    expect(addedHtml).not.toContain('name="factors.meetings.bands.4.atLeast"');
    expect(addedHtml).toContain('name="factors.meetings.bands.4.score"');
    expect(await storedVersions(org.orgId)).toBe(0);

    const good = await admin.post('/settings/health', { ...fields, 'factors.meetings.weight': '30', 'schedule.hour': '6', 'schedule.timezone': 'Europe/Paris', _op: 'save' });
    expect(good.status).toBe(303);
    const after = await readable(await admin.get(good.headers.get('location')!));
    expect(after).toContain('Saved as version 1. Nightly scoring runs at 06:00 Europe/Paris.');
    expect(after).toContain('Version 1, saved');
    expect(valueOf(after, 'factors.meetings.weight')).toBe('30');
    expect(after).toContain('Weights sum to 120;');
    expect((await configOf(org)).config.factors.meetings.weight).toBe(30);
    expect((await scheduleOf(org.orgId)).spec.timezone).toBe('Europe/Paris');

    // Saving the same form again keeps version 1.
    const again = await admin.post('/settings/health', { ...fields, 'factors.meetings.weight': '30', 'schedule.hour': '6', 'schedule.timezone': 'Europe/Paris', _op: 'save' });
    expect(await readable(await admin.get(again.headers.get('location')!))).toContain('No changes: version 1 stays in force.');
    expect(await storedVersions(org.orgId)).toBe(1);

    // "Score now" answers with a notice linking to the run's progress.
    const scored = await admin.post('/settings/health/score-now');
    expect(scored.status).toBe(303);
    const notice = await (await admin.get(scored.headers.get('location')!)).text();
    const link = /href="(\/settings\/health\/runs\/([^"]+))">See its progress/.exec(notice);
    expect(link?.[2]?.startsWith(`health-run-${org.orgId}-`)).toBe(true);
    runs.push(decodeURIComponent(link![2]!));
  });

  it('is for admins only', async () => {
    const org = await newOrg();
    const csm = await signIn(h, org.csms[0]!.email);
    expect((await csm.get('/settings/health')).status).toBe(403);
    expect((await csm.post('/settings/health', { 'factors.meetings.weight': '1', _op: 'save' })).status).toBe(403);
    expect((await csm.post('/settings/health/score-now')).status).toBe(403);
    expect((await csm.get('/settings/write-keys')).status).toBe(403);
    expect((await csm.post('/settings/write-keys', { name: 'sneaky' })).status).toBe(403);
    expect(await storedVersions(org.orgId)).toBe(0);
    const anonymous = await h.app.request('/settings/health');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Fsettings%2Fhealth');
  });
});

describe('write keys page (form posts)', () => {
  it('shows a new key once, lists it by name and prefix, revokes it, and another organisation cannot revoke it', async () => {
    const org = await newOrg();
    const other = await newOrg();
    const admin = await signIn(h, org.adminEmail);
    const created = await admin.post('/settings/write-keys', { name: 'Segment production' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const html = await readable(created);
    const key = /data-write-key[^>]*>(wk_[A-Za-z0-9_-]+)</.exec(html)?.[1];
    expect(key).toMatch(/^wk_[A-Za-z0-9_-]{43}$/);
    expect(html).toContain("host: 'http://relay.test'");
    expect(html).toContain('/api/events');

    const track = (writeKey: string) => h.app.request('/v1/track', {
      method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u', event: 'Settings Page Key' }),
    });
    expect((await track(key!)).status).toBe(200);

    const listed = await (await admin.get('/settings/write-keys')).text();
    expect(listed).not.toContain(key!);
    expect(listed).toContain('Segment production');
    expect(listed).toContain(`${key!.slice(0, 7)}…`);
    const id = /data-key-id="([^"]+)"/.exec(listed)![1]!;

    const otherAdmin = await signIn(h, other.adminEmail);
    expect((await otherAdmin.post(`/settings/write-keys/${id}/revoke`)).status).toBe(404);
    expect(await (await otherAdmin.get('/settings/write-keys')).text()).not.toContain(id);
    expect((await track(key!)).status).toBe(200);

    const revoked = await admin.post(`/settings/write-keys/${id}/revoke`);
    expect(revoked.status).toBe(303);
    const after = await readable(await admin.get(revoked.headers.get('location')!));
    expect(after).toContain('Revoked "Segment production"');
    expect(after).toContain('0 active.');
    expect((await track(key!)).status).toBe(401);

    const tooLong = await admin.post('/settings/write-keys', { name: 'x'.repeat(101) });
    expect(tooLong.status).toBe(422);
    expect(await tooLong.text()).toContain('A name is at most 100 characters');
  });
});
