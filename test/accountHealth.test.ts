import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveScores } from '../db/repositories/health.ts';
import { accountPulses, healthRescoreQueue, timelineEvents } from '../db/schema/index.ts';
import { DEFAULT_HEALTH_CONFIG, HEALTH_TIER_LABELS, scoreHealth, type HealthInputs } from '../domain/health.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, type Harness, type TestOrganisation } from './harness.ts';

/**
 * The account's health (issue 10) as a CSM and an integration see it: `GET /api/accounts/:id`'s
 * `health` and `pulse`, `POST /api/accounts/:id/pulse`, and the account page's panel and pulse form,
 * on the real app and Postgres. Scores are put in place with the repository the scorer writes
 * through, over several days (the scorer itself is its own piece of work).
 */

let h: Harness;
beforeAll(async () => { h = await createHarness({ startWorker: false }); });
afterAll(async () => { await h?.close(); });

interface ErrorBody { error: { code: string; fields?: { field: string; message: string }[] } }
interface PulseBody { score: number; note: string; setBy: string; setAt: string; fresh: boolean; expiresOn: string }
interface HealthBody {
  score: number | null; tier: string | null; computedAt: string; configVersion: number;
  factors: { key: string; label: string; score: number; weight: number; inputs: Record<string, unknown>; explanation: string; toRaise: string | null }[];
  excluded: { key: string; reason: string }[];
  history: { day: string; score: number }[];
}
interface DetailBody { id: string; health: HealthBody | null; pulse: PulseBody | null }

const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
const daysFrom = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

async function newAccount(org: TestOrganisation, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await org.api('/api/accounts', { body: accountBody(overrides) });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json() as { id: string }).id;
}

/** What the scorer would know about an account going quiet: `touch` days since the last touch, `open` tickets. */
function inputsOn(day: string, touch: number, open: number): HealthInputs {
  return {
    today: day,
    recentActivity: { daysSinceLastTouch: touch, lastTouchDay: daysFrom(day, -touch) },
    email: { medianReplyHours: 30, repliedCount: 8, unansweredOver72h: 1 },
    support: { openTickets: open, medianResolutionDays: 2, resolvedCount: 4 },
    meetings: { held180d: 2 },
    milestones: { currentMilestone: 'Integration', daysPastPlannedEnd: 9 },
    tasks: { overdue: 2, open: 5 },
    usage: null,
    pulse: null,
  };
}

/** Scores 120, 20, 10 and 3 days ago and today (the organisation's day: UTC), each one worse; returns today's. */
async function scoreOverDays(orgId: string, accountId: string) {
  const plan = [[120, 2, 0], [20, 5, 1], [10, 12, 3], [3, 20, 4], [0, 35, 6]] as const;
  const saved: { day: string; score: number }[] = [];
  let latest = scoreHealth(DEFAULT_HEALTH_CONFIG, inputsOn(today(), 0, 0));
  for (const [ago, touch, open] of plan) {
    const day = daysFrom(today(), -ago);
    latest = scoreHealth(DEFAULT_HEALTH_CONFIG, inputsOn(day, touch, open));
    await saveScores(h.database.db, orgId, day, ago === 0 ? new Date() : new Date(`${day}T02:00:00Z`), [{ accountId, ...latest, configVersion: 0 }]);
    saved.push({ day, score: latest.score! });
  }
  return { latest, saved };
}

async function detail(org: TestOrganisation, id: string): Promise<DetailBody> {
  const res = await org.api(`/api/accounts/${id}`);
  expect(res.status).toBe(200);
  return res.json() as Promise<DetailBody>;
}

async function written(accountId: string) {
  const db = h.database.db;
  return {
    pulses: await db.select().from(accountPulses).where(eq(accountPulses.accountId, accountId)),
    timeline: await db.select().from(timelineEvents).where(and(eq(timelineEvents.accountId, accountId), eq(timelineEvents.type, 'pulse_set'))),
    queued: await db.select().from(healthRescoreQueue).where(eq(healthRescoreQueue.accountId, accountId)),
  };
}

describe('GET /api/accounts/:id health', () => {
  it('answers the latest score with each factor\'s score, weight, inputs and what would raise it, and 90 days of history', async () => {
    const org = await h.newOrganisation();
    const id = await newAccount(org);
    const { latest, saved } = await scoreOverDays(org.orgId, id);

    const { health, pulse } = await detail(org, id);
    expect(pulse).toBeNull();
    expect(health).not.toBeNull();
    expect(health!.score).toBe(latest.score);
    expect(health!.tier).toBe(latest.tier);
    expect(health!.configVersion).toBe(0);
    expect(Date.now() - Date.parse(health!.computedAt)).toBeLessThan(120_000);
    // Each factor that counted, with its inputs by name: a CSM can check the score against them.
    expect(health!.factors.map((f) => f.key)).toEqual(['recent_activity', 'email_responsiveness', 'support_load', 'meetings', 'milestone_progress', 'overdue_tasks']);
    const support = health!.factors.find((f) => f.key === 'support_load')!;
    expect(support).toMatchObject({ label: 'Support load', inputs: { openTickets: 6, medianResolutionDays: 2, resolvedCount: 4 } });
    expect(support.toRaise).toMatch(/would bring it to \d+/);
    expect(health!.factors.find((f) => f.key === 'recent_activity')!.inputs).toEqual({ daysSinceLastTouch: 35, lastTouchDay: daysFrom(today(), -35) });
    for (const f of latest.factors) {
      expect(health!.factors.find((g) => g.key === f.key)).toMatchObject({ score: f.score, weight: f.weight, explanation: f.explanation, toRaise: f.toRaise });
    }
    expect(Math.round(health!.factors.reduce((a, f) => a + f.weight, 0) * 10) / 10).toBe(100);
    // What had no data is left out and says so, never scored 0.
    expect(health!.excluded).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: 'product_usage', reason: 'no product usage data' }),
      expect.objectContaining({ key: 'csm_pulse', reason: 'no pulse set' }),
    ]));
    // The last 90 days, oldest first: the score from 120 days ago is outside the window.
    expect(health!.history).toEqual(saved.slice(1));
    expect(health!.history[0]!.score).toBeGreaterThan(health!.history.at(-1)!.score);
  });

  it('answers health: null for an account never scored', async () => {
    const org = await h.newOrganisation();
    const id = await newAccount(org);
    const body = await detail(org, id);
    expect(body).toMatchObject({ id, health: null, pulse: null });
  });

  it('never shows one organisation\'s scores to another', async () => {
    const [a, b] = [await h.newOrganisation(), await h.newOrganisation()];
    const id = await newAccount(a);
    await scoreOverDays(a.orgId, id);
    expect((await b.api(`/api/accounts/${id}`)).status).toBe(404);
  });
});

describe('POST /api/accounts/:id/pulse', () => {
  it('sets a pulse (201): in the timeline, queued for rescoring, and shown as the latest, fresh for 90 days', async () => {
    const org = await h.newOrganisation();
    const id = await newAccount(org);
    const res = await org.api(`/api/accounts/${id}/pulse`, { body: { score: 7, note: '  Champion engaged; QBR went well.  ' } });
    expect(res.status, await res.clone().text()).toBe(201);
    const { pulse } = await res.json() as { pulse: PulseBody };
    expect(pulse).toEqual({
      score: 7, note: 'Champion engaged; QBR went well.', setBy: 'api', setAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      fresh: true, expiresOn: daysFrom(today(), 90),
    });

    const rows = await written(id);
    expect(rows.pulses.map((p) => ({ score: p.score, note: p.note, setBy: p.setBy, orgId: p.orgId }))).toEqual([{ score: 7, note: 'Champion engaged; QBR went well.', setBy: 'api', orgId: org.orgId }]);
    expect(rows.timeline.map((e) => ({ actor: e.actor, message: e.message }))).toEqual([{ actor: 'api', message: 'CSM Pulse set to 7/10: Champion engaged; QBR went well.' }]);
    // The pulse only queues the account; the rescorer scores it a few seconds later.
    expect(rows.queued.map((q) => q.orgId)).toEqual([org.orgId]);

    expect((await detail(org, id)).pulse).toEqual(pulse);
    // Not scored yet: the pulse does not make up a score by itself here.
    expect((await detail(org, id)).health).toBeNull();
  });

  it('keeps a 1 or a 10 fresh for 30 days only, and shows the newest pulse', async () => {
    const org = await h.newOrganisation();
    const id = await newAccount(org);
    for (const [score, note] of [[10, 'Thriving: expanding to two teams'], [1, 'Champion left; no reply in weeks']] as const) {
      const res = await org.api(`/api/accounts/${id}/pulse`, { body: { score, note } });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ pulse: { score, note, fresh: true, expiresOn: daysFrom(today(), 30) } });
    }
    expect((await detail(org, id)).pulse).toMatchObject({ score: 1, note: 'Champion left; no reply in weeks', expiresOn: daysFrom(today(), 30) });
    expect((await written(id)).timeline).toHaveLength(2);
  });

  it('refuses a bad body with 400 naming the field, and writes nothing', async () => {
    const org = await h.newOrganisation();
    const id = await newAccount(org);
    const cases: [unknown, string][] = [
      [{ score: 0, note: 'too low' }, 'score'],
      [{ score: 11, note: 'too high' }, 'score'],
      [{ score: 7.5, note: 'not whole' }, 'score'],
      [{ score: '7', note: 'a string' }, 'score'],
      [{ score: null, note: 'null' }, 'score'],
      [{ note: 'no score' }, 'score'],
      [{ score: 7 }, 'note'],
      [{ score: 7, note: '   ' }, 'note'],
      [{ score: 7, note: 42 }, 'note'],
      [{ score: 7, note: 'x'.repeat(2001) }, 'note'],
      [{ score: 7, note: 'fine', setBy: 'someone else' }, 'setBy'],
      ['not json', '(body)'],
      [[7, 'note'], '(body)'],
    ];
    for (const [body, field] of cases) {
      const res = await org.api(`/api/accounts/${id}/pulse`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await res.json() as ErrorBody).error;
      expect(error.code).toBe('validation');
      expect(error.fields?.map((f) => f.field), JSON.stringify(body)).toContain(field);
    }
    // 2,000 characters is still fine.
    expect((await org.api(`/api/accounts/${id}/pulse`, { body: { score: 5, note: 'y'.repeat(2000) } })).status).toBe(201);
    const rows = await written(id);
    expect(rows.pulses.map((p) => p.score)).toEqual([5]);
    expect(rows.timeline).toHaveLength(1);
  });

  it('answers 404 for another organisation\'s account (or none), and writes nothing', async () => {
    const [a, b] = [await h.newOrganisation(), await h.newOrganisation()];
    const id = await newAccount(a);
    const res = await b.api(`/api/accounts/${id}/pulse`, { body: { score: 2, note: 'not mine to judge' } });
    expect(res.status).toBe(404);
    expect((await res.json() as ErrorBody).error.code).toBe('not_found');
    expect((await b.api('/api/accounts/no-such-account/pulse', { body: { score: 2, note: 'nobody' } })).status).toBe(404);
    expect(await written(id)).toEqual({ pulses: [], timeline: [], queued: [] });
    expect((await detail(a, id)).pulse).toBeNull();
  });
});

/** Follows a 303 the way a browser does, carrying the one-shot flash cookie it set. */
async function follow(client: DashboardClient, res: Response): Promise<string> {
  expect(res.status).toBe(303);
  const flash = /relay_flash=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  const page = await h.app.request(res.headers.get('location')!, { headers: { cookie: [client.cookie, flash].filter(Boolean).join('; ') } });
  expect(page.status).toBe(200);
  return page.text();
}

/** The health panel's visible text, tags dropped. */
const panelText = (html: string): string =>
  (/<section class="card" id="health"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '').replace(/<[^>]+>/g, ' ').replace(/&quot;/g, '"').replace(/\s+/g, ' ');

describe('the account page\'s health panel', () => {
  // Sign-in is rate limited: one organisation and one session for this group, a fresh account per test.
  let org: TestOrganisation;
  let client: DashboardClient;
  beforeAll(async () => {
    org = await h.newOrganisation();
    client = await signIn(h, org.adminEmail);
  });

  it('shows the score, the why of each factor, what was left out, the history and the latest events', async () => {
    const id = await newAccount(org);
    const { latest } = await scoreOverDays(org.orgId, id);
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const sent = await org.api('/api/events', { body: { events: [
      { type: 'ticket_opened', accountId: id, occurredAt: at },
      { type: 'Report Exported', accountId: id, occurredAt: new Date(Date.parse(at) + 60_000).toISOString() },
    ] } });
    expect(sent.status).toBe(200);

    const html = await (await client.get(`/accounts/${id}`)).text();
    expect(html).toContain(`aria-label="Health score ${latest.score} of 100: ${HEALTH_TIER_LABELS[latest.tier!]}"`);
    const text = panelText(html);
    expect(text).toContain('with the default scoring settings');
    expect(text).toContain('Why this score');
    expect(text).toContain('What would raise it');
    expect(text).toContain('Open support tickets: 6');
    expect(text).toContain('Since the last touch: 35 days');
    expect(text).toContain('Current milestone: Integration');
    for (const f of latest.factors) {
      expect(text).toContain(f.label);
      expect(text).toContain(f.explanation.replace(/\s+/g, ' '));
      if (f.toRaise) expect(text).toContain(f.toRaise);
    }
    expect(text).toContain('Left out of the score');
    expect(text).toContain('Product usage : no product usage data, so it does not count yet.');
    expect(html).toMatch(/aria-label="Health score over the last 90 days: 4 daily scores, from \d+ on \d{4}-\d\d-\d\d to \d+ on \d{4}-\d\d-\d\d"/);
    expect(text).toContain('No pulse set yet.');
    // The latest events, newest first, in words where Relay knows the event.
    expect(text).toMatch(/Recent events Report Exported from Relay API · .*Support ticket opened from Relay API/);
  });

  it('sets a pulse from the form: a flash, the pulse with who set it, the timeline entry, a rescore queued', async () => {
    const id = await newAccount(org);
    const page = await follow(client, await client.post(`/accounts/${id}/pulse`, { score: '8', note: 'Great QBR; exec sponsor joined.' }));
    expect(page).toContain(`Pulse set to 8/10; it counts until ${daysFrom(today(), 90)}.`);
    const text = panelText(page);
    expect(text).toContain(`8/10 set by ${org.adminEmail}`);
    expect(text).toContain('Great QBR; exec sponsor joined.');
    expect(text).toContain(`Counts as 20 % of the score until ${daysFrom(today(), 90)}.`);
    expect(page).toMatch(/<li data-type="pulse_set"><span>CSM Pulse set to 8\/10: Great QBR; exec sponsor joined.<\/span>/);
    const rows = await written(id);
    expect(rows.pulses.map((p) => ({ setBy: p.setBy, setByUserId: p.setByUserId }))).toEqual([{ setBy: org.adminEmail, setByUserId: expect.any(String) as unknown }]);
    expect(rows.queued).toHaveLength(1);
  });

  it('shows a refused pulse again with the error beside the field and what was typed, writing nothing', async () => {
    const id = await newAccount(org);
    const cases: [Record<string, string>, string][] = [
      [{ score: '', note: 'typed but no score' }, 'choose a pulse from 1 to 10'],
      [{ score: '11', note: 'eleven out of ten' }, 'must be a whole number from 1 to 10'],
      [{ score: '7.5', note: 'halfway' }, 'must be a whole number from 1 to 10'],
      [{ score: '6', note: '   ' }, 'say in a few words why'],
    ];
    for (const [fields, message] of cases) {
      const res = await client.post(`/accounts/${id}/pulse`, fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      const html = await res.text();
      expect(html).toContain('That was not saved');
      expect(html).toContain(message);
      if (fields.note!.trim()) expect(html).toContain(`>${fields.note}</textarea>`);
      // What was chosen stays chosen.
      if (fields.score === '6') expect(html).toContain('<option value="6" selected="">6</option>');
    }
    expect(await written(id)).toEqual({ pulses: [], timeline: [], queued: [] });
  });

  it('refuses a post without the form\'s CSRF token, and another organisation\'s account is not found', async () => {
    const id = await newAccount(org);
    expect((await client.post(`/accounts/${id}/pulse`, { score: '3', note: 'forged' }, { csrf: false })).status).toBe(403);
    const other = await h.newOrganisation();
    const theirs = await newAccount(other);
    const res = await client.post(`/accounts/${theirs}/pulse`, { score: '3', note: 'not ours' });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Account not found');
    expect(await written(id)).toEqual({ pulses: [], timeline: [], queued: [] });
    expect(await written(theirs)).toEqual({ pulses: [], timeline: [], queued: [] });
  });
});
