import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTask } from '../db/repositories/accountWork.ts';
import {
  accountActions, accountMilestones, accounts, accountThreads, followUpStates, handoffs, portalLinks, portalSubmissions, tasks, timelineEvents,
} from '../db/schema/index.ts';
import type { Database } from '../db/client.ts';
import { loadFollowUp } from '../services/followUp.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { createHarness, eventually, handedOffAccount, type Harness, type TestOrganisation } from './harness.ts';
import { daysAgo, insertListedAccount, putScoreHistories } from './support/healthListFixtures.ts';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

let h: Harness;
let orgA: TestOrganisation;
let orgB: TestOrganisation;
let casey: DashboardClient;
let robin: DashboardClient;
let admin: DashboardClient;
const ids = new Map<string, string>();
let robinTaskKey = '';
let orgBTaskKey = '';

// ---- reading the page as a person does: lanes, and in each the items in order ------------------------

interface ShownItem { key: string; account: string; reason: string; next: string; href: string; csm: string }
type Lanes = Record<'owe' | 'news' | 'close', ShownItem[]>;

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function itemsIn(html: string): ShownItem[] {
  return [...html.matchAll(/<li class="fu-item" data-key="([^"]+)">([\s\S]*?)<\/li>/g)].map(([, key, body]) => ({
    key: decode(key!),
    account: decode(/class="fu-account"[^>]*>([^<]*)</.exec(body!)?.[1] ?? ''),
    reason: decode(/class="fu-reason">([^<]*)</.exec(body!)?.[1] ?? ''),
    next: decode(/class="button fu-next"[^>]*>([^<]*)</.exec(body!)?.[1] ?? ''),
    href: decode(/class="button fu-next" href="([^"]*)"/.exec(body!)?.[1] ?? ''),
    csm: decode(/ARR · ([^<]*)</.exec(body!)?.[1] ?? ''),
  }));
}

function lanesOf(html: string): Lanes {
  const lane = (name: string) => itemsIn(new RegExp(`<section[^>]*id="lane-${name}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? '');
  return { owe: lane('owe'), news: lane('news'), close: lane('close') };
}

const hiddenOf = (html: string) => itemsIn(/<details[^>]*id="hidden"[\s\S]*?<\/details>/.exec(html)?.[0] ?? '');

async function page(client: DashboardClient, query = ''): Promise<{ status: number; html: string; lanes: Lanes }> {
  const res = await client.get(`/follow-up${query}`);
  const html = await res.text();
  return { status: res.status, html, lanes: lanesOf(html) };
}

const line = (i: ShownItem) => `${i.account}: ${i.reason} → ${i.next}`;
const flashOf = async (client: DashboardClient, res: Response) => {
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
  const next = await h.app.request(res.headers.get('location')!, { headers: { cookie: `${client.cookie}; ${cookie}` } });
  return /<p class="flash (ok|error)"[^>]*>([^<]*)</.exec(await next.text())?.slice(1).map(decode) ?? [];
};

// ---- the book ------------------------------------------------------------------------------------------

async function account(org: TestOrganisation, name: string, opts: { arr?: number; status?: 'active' | 'at_risk' | 'pending_handoff' | 'completed'; csm?: string | null; createdDaysAgo?: number } = {}) {
  const id = await insertListedAccount(h.database.db, org.orgId, { name, arr: opts.arr ?? 60_000, status: opts.status ?? 'active' });
  const csm = opts.csm === undefined ? org.csms[0]!.id : opts.csm;
  await h.database.db.update(accounts).set({ csmUserId: csm, createdAt: ago(opts.createdDaysAgo ?? 0) }).where(eq(accounts.id, id));
  ids.set(name, id);
  return id;
}

async function milestones(accountId: string, specs: { name: string; durationDays: number; status: 'pending' | 'in_progress' | 'completed'; startedAt?: Date; completedAt?: Date }[]) {
  const [row] = await h.database.db.select({ orgId: accounts.orgId, templateVersionId: accounts.templateVersionId }).from(accounts).where(eq(accounts.id, accountId));
  await h.database.db.insert(accountMilestones).values(specs.map((s, i) => ({
    id: randomUUID(), orgId: row!.orgId, accountId, templateVersionId: row!.templateVersionId, sequence: i + 1, name: s.name, durationDays: s.durationDays,
    actions: [], status: s.status, startedAt: s.startedAt ?? null, completedAt: s.completedAt ?? null,
  })));
}

const overdueTask = async (org: TestOrganisation, accountId: string, title: string, daysLate: number, by = org.csms[0]!) =>
  (await addTask(h.database.db, org.orgId, accountId, { title, dueDate: daysAgo(daysLate) }, { userId: by.id, email: by.email })).id;

beforeAll(async () => {
  h = await createHarness();
  orgA = await h.newOrganisation();
  orgB = await h.newOrganisation();
  const db = h.database.db;
  const [caseyA, robinA] = orgA.csms;

  // We owe them something.
  await overdueTask(orgA, await account(orgA, 'Acme Overdue', { arr: 240_000 }), 'Send the SOW', 3);
  await overdueTask(orgA, await account(orgA, 'Small Overdue', { arr: 20_000 }), 'Send the SOW', 3);
  const emailWaiting = await account(orgA, 'Email Waiting');
  await db.insert(accountThreads).values([
    { orgId: orgA.orgId, accountId: emailWaiting, kind: 'email', threadKey: 'thread-1', openedAt: new Date(Date.now() - 50 * 3_600_000) },
    // Answered already: nothing owed.
    { orgId: orgA.orgId, accountId: emailWaiting, kind: 'email', threadKey: 'thread-0', openedAt: ago(4), closedAt: ago(3) },
  ]);
  const portal = await account(orgA, 'Portal Answer');
  const linkId = randomUUID();
  await db.insert(portalLinks).values({ id: linkId, orgId: orgA.orgId, accountId: portal, tokenHash: randomUUID(), sentTo: 'pat@portal.example', createdBy: caseyA!.email, expiresAt: new Date(Date.now() + 30 * DAY) });
  await db.insert(accountActions).values({ accountId: portal, actionId: 'm1:0', orgId: orgA.orgId, milestoneId: 'm1', kind: 'form', label: 'Technical questionnaire', status: 'completed', blocker: false, manual: false });
  await db.insert(portalSubmissions).values({ id: randomUUID(), orgId: orgA.orgId, accountId: portal, actionId: 'm1:0', linkId, answers: [], submittedBy: 'Pat Contact (customer portal)', submittedAt: ago(1) });

  // A real onboarding: created through the API, handed off by its AE to Casey; its Kickoff (7 days) started 10 days ago.
  const kickoff = await handedOffAccount(h, orgA, { companyName: 'Kickoff Late', arr: 90_000 });
  ids.set('Kickoff Late', kickoff.id);
  await eventually(async () => (await db.select().from(accountMilestones).where(and(eq(accountMilestones.accountId, kickoff.id), eq(accountMilestones.status, 'in_progress')))).length === 1, { what: 'the first milestone to start' });
  await db.update(accountMilestones).set({ startedAt: ago(10) }).where(and(eq(accountMilestones.accountId, kickoff.id), eq(accountMilestones.sequence, 1)));
  await db.update(handoffs).set({ submittedAt: ago(10) }).where(eq(handoffs.accountId, kickoff.id));

  // News to share.
  await milestones(await account(orgA, 'Milestone Done'), [
    { name: 'Kickoff', durationDays: 7, status: 'completed', startedAt: ago(8), completedAt: ago(1) },
    { name: 'Configuration', durationDays: 14, status: 'in_progress', startedAt: ago(1) },
  ]);
  const back = await account(orgA, 'Back Active');
  await db.insert(timelineEvents).values({
    id: randomUUID(), orgId: orgA.orgId, accountId: back, type: 'status_changed', actor: caseyA!.email, message: 'Status at_risk → active',
    data: { from: 'at_risk', to: 'active' }, dedupeKey: `test:${randomUUID()}`, occurredAt: ago(1),
  });
  const fresh = await account(orgA, 'Fresh Handoff');
  await db.insert(handoffs).values({ id: randomUUID(), orgId: orgA.orgId, accountId: fresh, drafter: 'rule_based', qa: [], createdAt: ago(3), submittedAt: new Date() });

  // Stay close.
  const dropped = await account(orgA, 'Health Drop', { status: 'at_risk', arr: 150_000 });
  const recovered = await account(orgA, 'Health Up');
  await putScoreHistories(db, orgA.orgId, new Map([
    [dropped, new Map([[3, 85], [1, 35]])],
    [recovered, new Map([[4, 65], [2, 85]])],
  ]));
  const risky = await account(orgA, 'Risky');
  await db.update(accounts).set({ status: 'at_risk' }).where(eq(accounts.id, risky));
  await db.insert(timelineEvents).values({
    id: randomUUID(), orgId: orgA.orgId, accountId: risky, type: 'status_changed', actor: caseyA!.email, message: 'Status active → at_risk',
    data: { from: 'active', to: 'at_risk' }, dedupeKey: `test:${randomUUID()}`, occurredAt: ago(12),
  });
  await db.insert(handoffs).values({ id: randomUUID(), orgId: orgA.orgId, accountId: await account(orgA, 'AE Slow', { status: 'pending_handoff', createdDaysAgo: 5 }), drafter: 'rule_based', qa: [], createdAt: ago(5) });
  await account(orgA, 'Quiet Co', { createdDaysAgo: 30 });
  // Healthy, touched, nothing due: on nobody's follow-up.
  await overdueTask(orgA, await account(orgA, 'All Good'), 'Not due yet', -3);

  // Robin's account, and another organisation with the same kind of work (and Casey's name).
  robinTaskKey = `task:${await overdueTask(orgA, await account(orgA, 'Robin Overdue', { csm: robinA!.id }), 'Robin’s task', 2, robinA!)}:${daysAgo(2)}`;
  orgBTaskKey = `task:${await overdueTask(orgB, await account(orgB, 'Other Org Overdue'), 'Send the SOW', 3)}:${daysAgo(3)}`;

  [casey, robin, admin] = [await signIn(h, caseyA!.email), await signIn(h, robinA!.email), await signIn(h, orgA.adminEmail)];
});
afterAll(async () => { await h?.close(); });

describe('Daily Follow-Up at /follow-up', () => {
  it('puts the CSM’s accounts in three lanes, each with its reason and next step, most urgent first (ARR breaks ties)', async () => {
    const { status, lanes, html } = await page(casey);
    expect(status).toBe(200);
    expect(html).toContain('<a href="/follow-up" aria-current="page">Follow-up</a>');
    expect(lanes.owe.map(line)).toEqual([
      'Email Waiting: Customer email unanswered for 2 days → Reply to Pat Contact',
      'Kickoff Late: Kickoff milestone 3 days late → Send Peter Gibbons a progress update on Kickoff with a new date',
      // Same task, equally late: the larger account first.
      'Acme Overdue: Task "Send the SOW" is 3 days overdue → Do it or give it a new date: Send the SOW',
      'Small Overdue: Task "Send the SOW" is 3 days overdue → Do it or give it a new date: Send the SOW',
      'Portal Answer: The customer answered "Technical questionnaire" in the portal yesterday → Review their answers and thank them',
    ]);
    expect(lanes.news.map(line)).toEqual([
      'Fresh Handoff: The AE completed the handoff today → Welcome Pat Contact and book the kickoff',
      'Back Active: Back on track: moved from at risk to active yesterday → Tell Pat Contact the risk is behind you',
      'Milestone Done: Kickoff milestone completed yesterday → Send the Kickoff recap',
      'Health Up: Health recovered from Needs attention to Healthy (85) 2 days ago → Share the progress with Pat Contact',
    ]);
    expect(lanes.close.map(line)).toEqual([
      'Health Drop: Health fell from Healthy to Critical (35) yesterday → See which factors fell and set a CSM Pulse',
      'Risky: At risk for 12 days → Agree a recovery plan with Pat Contact',
      'AE Slow: Handoff waiting on the AE for 5 days → Nudge the AE',
      'Quiet Co: No touch from us in 30 days → Check in with Pat Contact',
    ]);
    // Each next step opens the part of the account's page where it is done.
    const href = (account: string) => [...lanes.owe, ...lanes.news, ...lanes.close].find((i) => i.account === account)!.href;
    expect(href('Kickoff Late')).toBe(`/accounts/${ids.get('Kickoff Late')}#milestones`);
    expect(href('Acme Overdue')).toBe(`/accounts/${ids.get('Acme Overdue')}#tasks`);
    expect(href('AE Slow')).toBe(`/accounts/${ids.get('AE Slow')}#handoff`);
    expect(href('Health Drop')).toBe(`/accounts/${ids.get('Health Drop')}#health`);
    expect(html).not.toContain('All Good');
  });

  it('shows a CSM only their own accounts, whatever the address asks for; an admin sees everyone’s or picks a CSM', async () => {
    const [caseyA, robinA] = orgA.csms;
    const robinsOwn = await page(robin);
    expect(robinsOwn.lanes.owe.map((i) => i.account)).toEqual(['Robin Overdue']);
    expect([...robinsOwn.lanes.news, ...robinsOwn.lanes.close]).toEqual([]);
    // Casey asking for Robin's follow-up gets her own, and no picker.
    const asked = await page(casey, `?csm=${robinA!.id}`);
    expect(asked.status).toBe(200);
    expect(asked.html).not.toContain('Robin Overdue');
    expect(asked.lanes.owe.map((i) => i.account)).toContain('Acme Overdue');
    expect(asked.html).not.toContain('id="follow-up-csm"');

    const everyone = await page(admin);
    expect(everyone.html).toContain('<option value="" selected="">All CSMs</option>');
    expect(everyone.lanes.owe.map((i) => i.account)).toEqual(['Email Waiting', 'Kickoff Late', 'Acme Overdue', 'Small Overdue', 'Robin Overdue', 'Portal Answer']);
    // Everyone's view names each item's CSM.
    expect(everyone.lanes.owe.find((i) => i.account === 'Robin Overdue')!.csm).toBe('Robin CSM');
    const robins = await page(admin, `?csm=${robinA!.id}`);
    expect(robins.lanes.owe.map((i) => i.account)).toEqual(['Robin Overdue']);
    expect(robins.html).toContain(`<option value="${robinA!.id}" selected="">Robin CSM</option>`);
    expect((await page(admin, `?csm=${caseyA!.id}`)).lanes.owe.map((i) => i.account)).not.toContain('Robin Overdue');
  });

  it('keeps other organisations out: their accounts never show, and their items cannot be dismissed', async () => {
    for (const client of [casey, admin]) {
      const { html } = await page(client);
      expect(html).not.toContain('Other Org Overdue');
    }
    const res = await casey.post('/follow-up/items', { key: orgBTaskKey, do: 'dismiss' });
    expect(await flashOf(casey, res)).toEqual(['error', 'Not done: That item is not on your follow-up any more (it may have been dealt with already).']);
    // Nor someone else's item of the same organisation (Robin's, for Casey).
    await casey.post('/follow-up/items', { key: robinTaskKey, do: 'snooze_tomorrow' });
    const stored = await h.database.db.select().from(followUpStates).where(eq(followUpStates.orgId, orgA.orgId));
    expect(stored.filter((s) => s.itemKey === orgBTaskKey || s.itemKey === robinTaskKey)).toEqual([]);
    // An admin with another org's CSM ID in the address: a 400 naming the field.
    const other = await page(admin, `?csm=${orgB.csms[0]!.id}`);
    expect(other.status).toBe(400);
    expect(other.html).toContain('csm: no such person in this organisation');
  });

  it('dismisses an item until its cause changes', async () => {
    const before = await page(casey);
    const acme = before.lanes.owe.find((i) => i.account === 'Acme Overdue')!;
    const res = await casey.post('/follow-up/items', { key: acme.key, do: 'dismiss' });
    const [kind, message] = await flashOf(casey, res);
    expect(kind).toBe('ok');
    expect(message).toBe('Dismissed: Acme Overdue — Task "Send the SOW" is 3 days overdue. It comes back if something new happens.');
    const after = await page(casey);
    expect(after.lanes.owe.map((i) => i.account)).not.toContain('Acme Overdue');
    expect(hiddenOf(after.html).map((i) => i.account)).toEqual(['Acme Overdue']);
    expect(after.html).toContain('Dismissed and snoozed (1)');
    // Dismissing again changes nothing; Robin still sees nothing of Casey's, and an admin still sees it.
    await casey.post('/follow-up/items', { key: acme.key, do: 'dismiss' });
    expect((await page(admin)).lanes.owe.map((i) => i.account)).toContain('Acme Overdue');

    // The task gets a new due date, still past: a new cause, so it is back.
    await h.database.db.update(tasks).set({ dueDate: daysAgo(5) }).where(eq(tasks.accountId, ids.get('Acme Overdue')!));
    const back = (await page(casey)).lanes.owe.find((i) => i.account === 'Acme Overdue')!;
    expect(back.reason).toBe('Task "Send the SOW" is 5 days overdue');
    expect(back.key).not.toBe(acme.key);
  });

  it('snoozes an item until tomorrow or next week, shows it again when the day comes, or at once on "Show again"', async () => {
    const quiet = (await page(casey)).lanes.close.find((i) => i.account === 'Quiet Co')!;
    const [, message] = await flashOf(casey, await casey.post('/follow-up/items', { key: quiet.key, do: 'snooze_tomorrow' }));
    expect(message).toBe(`Snoozed until ${daysAgo(-1)}: Quiet Co — No touch from us in 30 days.`);
    let now = await page(casey);
    expect(now.lanes.close.map((i) => i.account)).not.toContain('Quiet Co');
    expect(now.html).toContain(`Snoozed until ${daysAgo(-1)}`);

    // Tomorrow comes (the snooze's day is today): back in its lane.
    await h.database.db.update(followUpStates).set({ snoozedUntil: daysAgo(0) }).where(eq(followUpStates.itemKey, quiet.key));
    now = await page(casey);
    expect(now.lanes.close.map((i) => i.account)).toContain('Quiet Co');

    // Next week, then "Show again" before then.
    await casey.post('/follow-up/items', { key: quiet.key, do: 'snooze_next_week' });
    const [row] = await h.database.db.select().from(followUpStates).where(eq(followUpStates.itemKey, quiet.key));
    expect(new Date(`${row!.snoozedUntil}T00:00:00Z`).getUTCDay()).toBe(1);
    expect(row!.snoozedUntil! > daysAgo(0)).toBe(true);
    expect((await page(casey)).lanes.close.map((i) => i.account)).not.toContain('Quiet Co');
    const [, shown] = await flashOf(casey, await casey.post('/follow-up/items', { key: quiet.key, do: 'restore' }));
    expect(shown).toBe('Back on your follow-up.');
    expect((await page(casey)).lanes.close.map((i) => i.account)).toContain('Quiet Co');
  });

  it('refuses a post without the CSRF token, a button it does not know, and parameters it does not read', async () => {
    const key = (await page(casey)).lanes.news[0]!.key;
    const forged = await casey.post('/follow-up/items', { key, do: 'dismiss' }, { csrf: false });
    expect(forged.status).toBe(403);
    expect(await flashOf(casey, await casey.post('/follow-up/items', { key, do: 'explode' })))
      .toEqual(['error', 'Not done: that button did not say what to do with which item. Reload the page and try again.']);
    expect(await flashOf(casey, await casey.post('/follow-up/items', { key, do: '__proto__' }))).toEqual(expect.arrayContaining(['error']));
    expect((await page(casey)).lanes.news.map((i) => i.key)).toContain(key);
    const odd = await page(casey, '?sort=arr');
    expect(odd.status).toBe(400);
    expect(odd.html).toContain('Unknown parameter: sort');
  });
});

describe('the work behind the page', () => {
  it('reads a book of any size in the same few queries, never one per account', async () => {
    let statements = 0;
    // Counts what goes to Postgres: each top-level select / insert / delete / execute (a subquery inside one is part of it).
    const counting = new Proxy(h.database.db, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function' || !['select', 'selectDistinct', 'selectDistinctOn', 'execute', 'insert', 'update', 'delete'].includes(String(prop))) return value;
        return (...args: unknown[]) => {
          const built = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (prop === 'execute') { statements += 1; return built; }
          // A builder runs when awaited: count that, not its construction (subqueries are built, never awaited).
          return new Proxy(built as object, {
            get(b, key, r) {
              const v = Reflect.get(b, key, r) as unknown;
              if (key === 'then') return (...a: unknown[]) => { statements += 1; return (v as (...x: unknown[]) => unknown).apply(b, a); };
              if (typeof v !== 'function') return v;
              return (...a: unknown[]) => {
                const next = (v as (...x: unknown[]) => unknown).apply(b, a);
                return next === b ? r : next && typeof next === 'object' && 'then' in next ? new Proxy(next, this) : next;
              };
            },
          });
        };
      },
    }) as Database;
    const [caseyA, robinA] = orgA.csms;
    const count = async (userId: string, role: 'csm' | 'admin') => {
      statements = 0;
      const view = await loadFollowUp(counting, { orgId: orgA.orgId, userId, role }, null);
      return { statements, items: view.lanes.owe.length + view.lanes.news.length + view.lanes.close.length };
    };
    const robins = await count(robinA!.id, 'csm');
    const caseys = await count(caseyA!.id, 'csm');
    const everyone = await count(orgA.adminId, 'admin');
    expect(robins.items).toBe(1);
    expect(caseys.items).toBeGreaterThan(10);
    expect(everyone.items).toBeGreaterThan(caseys.items);
    expect(caseys.statements).toBe(robins.statements);
    expect(everyone.statements).toBe(robins.statements);
    expect(robins.statements).toBe(8);
  });
});

describe('GET /api/follow-up', () => {
  interface ApiItem { key: string; kind: string; reason: string; account: { id: string; name: string; arr: number; csmName: string | null }; nextStep: { label: string; path: string } }
  type ApiBody = { today: string; csm: { id: string; email: string } | null; lanes: Record<'owe' | 'news' | 'close', ApiItem[]> };

  it('gives one CSM’s lanes (by email or ID) or everyone’s, with the same reasons and next steps as the page', async () => {
    const [caseyA, robinA] = orgA.csms;
    const res = await orgA.api(`/api/follow-up?csm=${encodeURIComponent(caseyA!.email)}`);
    expect(res.status).toBe(200);
    const body = await res.json() as ApiBody;
    expect(body.csm).toMatchObject({ id: caseyA!.id, email: caseyA!.email });
    expect(body.today).toBe(daysAgo(0));
    // An API key dismisses nothing: Casey's dismissals stay hers.
    expect(body.lanes.owe.map((i) => i.account.name)).toEqual(['Email Waiting', 'Kickoff Late', 'Acme Overdue', 'Small Overdue', 'Portal Answer']);
    const kickoff = body.lanes.owe[1]!;
    expect(kickoff).toMatchObject({
      kind: 'milestone_overdue', reason: 'Kickoff milestone 3 days late', account: { name: 'Kickoff Late', arr: 90_000, csmName: 'Casey CSM' },
      nextStep: { path: `/accounts/${ids.get('Kickoff Late')}#milestones` },
    });
    expect(body.lanes.close.map((i) => i.account.name)).toEqual(['Health Drop', 'Risky', 'AE Slow', 'Quiet Co']);
    const robins = await (await orgA.api(`/api/follow-up?csm=${robinA!.id}`)).json() as ApiBody;
    expect(robins.lanes.owe.map((i) => i.account.name)).toEqual(['Robin Overdue']);
    const all = await (await orgA.api('/api/follow-up')).json() as ApiBody;
    expect(all.csm).toBeNull();
    expect(all.lanes.owe.map((i) => i.account.name)).toContain('Robin Overdue');
    // The other organisation's key sees only its own.
    const other = await (await orgB.api('/api/follow-up')).json() as ApiBody;
    expect(other.lanes.owe.map((i) => i.account.name)).toEqual(['Other Org Overdue']);
  });

  it('names a CSM it does not know, or a parameter it does not read, in a 400', async () => {
    const unknown = await orgA.api(`/api/follow-up?csm=${encodeURIComponent(orgB.csms[0]!.email)}`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: 'validation', fields: [{ field: 'csm', message: 'no such person in this organisation' }] } });
    const odd = await orgA.api('/api/follow-up?lane=owe');
    expect(odd.status).toBe(400);
    expect(JSON.stringify(await odd.json())).toContain('lane');
  });
});
