import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { createHarness, type Harness, type TestOrganisation } from './harness.ts';
import { daysAgo, insertListedAccount, putScoreHistories, type ScoreHistory } from './support/healthListFixtures.ts';

/** days ago → score, from a list of [daysAgo, score] pairs. */
const history = (...points: [number, number | null][]): ScoreHistory => new Map(points);
const range = (from: number, to: number, score: (ago: number) => number): [number, number][] =>
  Array.from({ length: from - to + 1 }, (_, i) => [from - i, score(from - i)]);

// One organisation's book, each account a case the list has to get right. Scores are days ago → score.
const BOOK = {
  // Rising for five weeks: 15 → 85; 71 a week ago, so up 14. Only the last 30 days are drawn.
  'Alpha Rising': { status: 'active', scores: history(...range(35, 0, (d) => 85 - 2 * d)) },
  // Falling: 55 → 35 (critical); 49 a week ago, so down 14.
  'Bravo Falling': { status: 'at_risk', scores: history(...range(10, 0, (d) => 35 + 2 * d)) },
  // Wobbling around 65: 67 a week ago, so flat.
  'Charlie Steady': { status: 'active', scores: history(...range(14, 0, (d) => (d % 3 === 0 ? 65 : 67))) },
  // Scored once: no trend yet.
  'Delta Single': { status: 'active', scores: history([0, 45]) },
  // Scored for 3 days only: 44 → 50 is up 6 over those 3 days.
  'Echo Short': { status: 'pending_handoff', scores: history([3, 44], [0, 50]) },
  // Never scored.
  'Foxtrot Never': { status: 'active', scores: history() },
  // Scored, but nothing to go on (a score of null, never 0).
  'Golf Nothing': { status: 'active', scores: history([0, null]) },
  // Same score as Delta: the ID breaks the tie.
  'Hotel Tie': { status: 'active', scores: history([0, 45]) },
  // Gaps: nothing exactly a week ago; 9 and 5 days ago are equally near, the earlier counts: 60 → 70.
  'India Gaps': { status: 'active', scores: history([9, 60], [5, 62], [0, 70]) },
  // Healthy and unchanged.
  'Juliet Healthy': { status: 'completed', scores: history(...range(7, 0, () => 92)) },
} as const;
type Name = keyof typeof BOOK;

let h: Harness;
let orgA: TestOrganisation;
let orgB: TestOrganisation;
let admin: DashboardClient;
const idsA = new Map<Name, string>();
const idsB = new Map<Name, string>();
const nameOf = new Map<string, string>();

async function seed(org: TestOrganisation, ids: Map<Name, string>, scoreOf: (name: Name) => ScoreHistory) {
  const histories = new Map<string, ScoreHistory>();
  for (const [name, spec] of Object.entries(BOOK) as [Name, (typeof BOOK)[Name]][]) {
    const id = await insertListedAccount(h.database.db, org.orgId, { name, status: spec.status });
    ids.set(name, id);
    nameOf.set(id, name);
    histories.set(id, scoreOf(name));
  }
  await putScoreHistories(h.database.db, org.orgId, histories);
}

interface ListedHealth { score: number; tier: string; trend: string | null; sparkline: { day: string; score: number }[] }
interface ListBody { total: number; items: { id: string; companyName: string; health: ListedHealth | null }[] }

async function list(query: string, org = orgA): Promise<ListBody> {
  const res = await org.api(`/api/accounts?${query}`);
  expect(res.status, query).toBe(200);
  return (await res.json()) as ListBody;
}
const names = async (query: string, org = orgA) => (await list(`${query}&pageSize=100`, org)).items.map((i) => i.companyName);

/** The names sorted by ID, as ties (and the unscored) are ordered. */
const byId = (ids: Map<Name, string>, dir: 'asc' | 'desc', ...group: Name[]): Name[] =>
  [...group].sort((a, b) => (ids.get(a)! < ids.get(b)! ? -1 : 1) * (dir === 'asc' ? 1 : -1));

beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  orgA = await h.newOrganisation();
  orgB = await h.newOrganisation();
  await seed(orgA, idsA, (name) => BOOK[name].scores);
  // The other organisation has the same names, every account healthy at 99 (no 97–99 in A), and a
  // score row stamped with its own org ID on one of A's accounts: neither may reach A's list.
  await seed(orgB, idsB, () => history([1, 98], [0, 98]));
  await putScoreHistories(h.database.db, orgB.orgId, new Map([[idsA.get('Foxtrot Never')!, history([0, 98])]]));
  admin = await signIn(h, orgA.adminEmail);
});
afterAll(async () => { await h?.close(); });

describe('GET /api/accounts with health', () => {
  it('gives each account its score, tier, trend and 30-day sparkline, and null when it has no score', async () => {
    const body = await list('pageSize=100&sort=name');
    const by = new Map(body.items.map((i) => [i.companyName, i.health]));
    const alpha = by.get('Alpha Rising')!;
    expect(alpha).toMatchObject({ score: 85, tier: 'healthy', trend: 'up' });
    expect(alpha.sparkline).toHaveLength(30);
    expect(alpha.sparkline[0]).toEqual({ day: daysAgo(29), score: 27 });
    expect(alpha.sparkline.at(-1)).toEqual({ day: daysAgo(0), score: 85 });
    expect(by.get('Bravo Falling')).toMatchObject({ score: 35, tier: 'critical', trend: 'down' });
    expect(by.get('Bravo Falling')!.sparkline.map((p) => p.score)).toEqual([55, 53, 51, 49, 47, 45, 43, 41, 39, 37, 35]);
    expect(by.get('Charlie Steady')).toMatchObject({ score: 65, tier: 'needs_attention', trend: 'flat' });
    expect(by.get('Delta Single')).toEqual({ score: 45, tier: 'at_risk', trend: null, sparkline: [{ day: daysAgo(0), score: 45 }] });
    expect(by.get('Echo Short')).toMatchObject({ score: 50, tier: 'at_risk', trend: 'up' });
    expect(by.get('India Gaps')).toMatchObject({ score: 70, tier: 'needs_attention', trend: 'up' });
    expect(by.get('India Gaps')!.sparkline).toEqual([{ day: daysAgo(9), score: 60 }, { day: daysAgo(5), score: 62 }, { day: daysAgo(0), score: 70 }]);
    expect(by.get('Juliet Healthy')).toMatchObject({ score: 92, tier: 'healthy', trend: 'flat' });
    expect(by.get('Foxtrot Never')).toBeNull();
    expect(by.get('Golf Nothing')).toBeNull();
  });

  it('filters by each tier, by unscored, and by score range', async () => {
    expect(await names('tier=healthy&sort=name')).toEqual(['Alpha Rising', 'Juliet Healthy']);
    expect(await names('tier=needs_attention&sort=name')).toEqual(['Charlie Steady', 'India Gaps']);
    expect(await names('tier=at_risk&sort=name')).toEqual(['Delta Single', 'Echo Short', 'Hotel Tie']);
    expect(await names('tier=critical&sort=name')).toEqual(['Bravo Falling']);
    expect(await names('tier=unscored&sort=name')).toEqual(['Foxtrot Never', 'Golf Nothing']);
    // Inclusive bounds; an unscored account never falls in a range.
    expect(await names('scoreMin=45&scoreMax=65&sort=name')).toEqual(['Charlie Steady', 'Delta Single', 'Echo Short', 'Hotel Tie']);
    expect(await names('scoreMin=80&sort=name')).toEqual(['Alpha Rising', 'Juliet Healthy']);
    expect(await names('scoreMax=40&sort=name')).toEqual(['Bravo Falling']);
    expect(await names('scoreMin=0&scoreMax=100&sort=name')).toHaveLength(8);
    // With the other filters: active accounts needing attention or worse.
    expect(await names('status=active&scoreMax=79&sort=name')).toEqual(['Charlie Steady', 'Delta Single', 'Hotel Tie', 'India Gaps']);
    expect((await list('tier=at_risk')).total).toBe(3);
    // A GET form's empty fields mean "not set".
    expect((await list('tier=&scoreMin=&scoreMax=')).total).toBe(10);
  });

  it('sorts by health worst first by default, best first with dir=desc, unscored last both ways, ties by ID', async () => {
    const asc: Name[] = [
      'Bravo Falling', ...byId(idsA, 'asc', 'Delta Single', 'Hotel Tie'), 'Echo Short', 'Charlie Steady', 'India Gaps', 'Alpha Rising', 'Juliet Healthy',
      ...byId(idsA, 'asc', 'Foxtrot Never', 'Golf Nothing'),
    ];
    expect(await names('sort=health')).toEqual(asc);
    expect(await names('sort=health&dir=asc')).toEqual(asc);
    expect(await names('sort=health&dir=desc')).toEqual([
      'Juliet Healthy', 'Alpha Rising', 'India Gaps', 'Charlie Steady', 'Echo Short', ...byId(idsA, 'desc', 'Delta Single', 'Hotel Tie'), 'Bravo Falling',
      ...byId(idsA, 'desc', 'Foxtrot Never', 'Golf Nothing'),
    ]);
    // Paging through keeps the order, never repeating or skipping a row.
    const pages = [];
    for (let page = 1; page <= 4; page++) pages.push(...(await list(`sort=health&pageSize=3&page=${page}`)).items.map((i) => i.companyName));
    expect(pages).toEqual(asc);
    expect(await names('sort=health&tier=at_risk')).toEqual([...byId(idsA, 'asc', 'Delta Single', 'Hotel Tie'), 'Echo Short']);
  });

  it('answers bad health parameters with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['tier=great', 'tier'], ['tier=Healthy', 'tier'], ['scoreMin=abc', 'scoreMin'], ['scoreMin=-1', 'scoreMin'], ['scoreMin=4.5', 'scoreMin'],
      ['scoreMax=101', 'scoreMax'], ['scoreMin=60&scoreMax=50', 'scoreMax'], ['sort=score', 'sort'],
    ] as const) {
      const res = await orgA.api(`/api/accounts?${query}`);
      expect(res.status, query).toBe(400);
      const body = await res.json() as { error: { code: string; fields: { field: string; message: string }[] } };
      expect(body.error.code, query).toBe('validation');
      expect(body.error.fields.map((f) => f.field), query).toEqual([field]);
    }
    const res = await orgA.api('/api/accounts?scoreMin=60&scoreMax=50');
    expect((await res.json() as { error: { fields: { message: string }[] } }).error.fields[0]!.message).toBe('scoreMax must not be below scoreMin');
  });

  it('never shows another organisation’s scores or accounts', async () => {
    const all = (await list('pageSize=100')).items;
    expect(all).toHaveLength(10);
    for (const id of idsB.values()) expect(all.map((i) => i.id)).not.toContain(id);
    // B scored every account 98 and stamped a score on A's Foxtrot: none of it shows in A's list.
    expect(all.flatMap((i) => [i.health?.score, ...(i.health?.sparkline ?? []).map((p) => p.score)])).not.toContain(98);
    expect(all.find((i) => i.companyName === 'Foxtrot Never')!.health).toBeNull();
    expect(await names('scoreMin=97')).toEqual([]);
    expect(await names('tier=unscored&sort=name')).toEqual(['Foxtrot Never', 'Golf Nothing']);
    // And B sees only its own accounts, all at 98, its sort unaffected by A's scores.
    const b = await list('sort=health&pageSize=100', orgB);
    expect(b.items.map((i) => i.id).sort()).toEqual([...idsB.values()].sort());
    expect(new Set(b.items.map((i) => i.health?.score))).toEqual(new Set([98]));
    expect(b.items.map((i) => i.health?.trend)).toEqual(b.items.map(() => 'flat'));
  });
});

describe('the accounts page with health', () => {
  const page = async (path: string) => {
    const res = await admin.get(path);
    return { status: res.status, html: await res.text() };
  };
  const rowNames = (html: string) => [...html.matchAll(/<td><a href="\/accounts\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]!);
  const rowOf = (html: string, name: string) => new RegExp(`<tr><td><a href="/accounts/[^"]+">${name}</a>.*?</tr>`, 's').exec(html)?.[0] ?? '';

  it('shows a Health column with the badge, an arrow saying how it moved, and an inline SVG sparkline', async () => {
    const { status, html } = await page('/accounts?sort=name');
    expect(status).toBe(200);
    expect(html).toMatch(/<th scope="col" aria-sort="none" class="health-col"><a href="\/accounts\?sort=health&amp;dir=asc">Health<\/a><\/th>/);
    const alpha = rowOf(html, 'Alpha Rising');
    expect(alpha).toContain('Healthy');
    expect(alpha).toContain('aria-label="up 14 points in 7 days"');
    expect(alpha).toContain('>↑</span>');
    expect(alpha).toMatch(/<svg class="sparkline"[^>]*aria-label="Health over the last 30 days: 27, 29, /);
    expect(rowOf(html, 'Bravo Falling')).toContain('aria-label="down 14 points in 7 days"');
    expect(rowOf(html, 'Charlie Steady')).toContain('aria-label="steady: down 2 points in 7 days"');
    expect(rowOf(html, 'Echo Short')).toContain('aria-label="up 6 points in 3 days"');
    expect(rowOf(html, 'India Gaps')).toContain('aria-label="up 10 points in 9 days"');
    expect(rowOf(html, 'Juliet Healthy')).toContain('aria-label="no change in 7 days"');
    expect(rowOf(html, 'Delta Single')).not.toContain('class="trend');
    expect(rowOf(html, 'Foxtrot Never')).toContain('Not scored');
    expect(rowOf(html, 'Golf Nothing')).toContain('Not scored');
  });

  it('filters by tier and score range from the form, keeps them in links, and counts the tabs under them', async () => {
    const { html } = await page('/accounts?tier=at_risk&sort=health');
    expect(rowNames(html)).toEqual([...byId(idsA, 'asc', 'Delta Single', 'Hotel Tie'), 'Echo Short']);
    expect(html).toMatch(/<select id="f-tier" name="tier"[^>]*>.*<option value="at_risk" selected="">At risk<\/option>/s);
    const tabs = /<nav class="tabs"[^>]*>(.*?)<\/nav>/s.exec(html)![1]!;
    expect(tabs).toMatch(/>All<span class="count">3<\/span>/);
    expect(tabs).toMatch(/>Active<span class="count">2<\/span>/);
    expect(tabs).toMatch(/>Pending handoff<span class="count">1<\/span>/);
    expect(tabs).toContain('href="/accounts?status=active&amp;tier=at_risk&amp;sort=health"');
    const ranged = await page('/accounts?scoreMin=60&scoreMax=79&sort=health&dir=desc');
    expect(rowNames(ranged.html)).toEqual(['India Gaps', 'Charlie Steady']);
    expect(ranged.html).toContain('name="scoreMin" type="number" value="60"');
    expect(ranged.html).toContain('name="scoreMax" type="number" value="79"');
    expect(ranged.html).toMatch(/<th scope="col" aria-sort="descending" class="health-col"><a href="[^"]*">Health ▼<\/a>/);
    // An empty form submission is every account.
    expect(rowNames((await page('/accounts?tier=&scoreMin=&scoreMax=')).html)).toHaveLength(10);
  });

  it('refuses a bad score range with a 400 page naming the field', async () => {
    const res = await page('/accounts?scoreMin=70&scoreMax=20');
    expect(res.status).toBe(400);
    expect(res.html).toContain('<code>scoreMax</code>');
    expect(res.html).toContain('scoreMax must not be below scoreMin');
    expect(rowNames(res.html)).toEqual([]);
    const tier = await page('/accounts?tier=bad');
    expect(tier.status).toBe(400);
    expect(tier.html).toContain('<code>tier</code>');
  });
});
