import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAccount, insertAccountWithDomains, portfolioSummary } from '../db/repositories/accounts.ts';
import { findCurrentTemplateVersion } from '../db/repositories/templates.ts';
import { savedViews, timelineEvents } from '../db/schema/index.ts';
import type { LifecycleStatus } from '../domain/lifecycle.ts';
import { bulkChangeStatus, describeBulkOutcome } from '../services/bulkAccountActions.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { createHarness, handedOffAccount, type Harness, type TestOrganisation } from './harness.ts';
import { putScoreHistories, type ScoreHistory } from './support/healthListFixtures.ts';

const DAY = 86_400_000;

let h: Harness;

/** A plain account row (no workflow run): what the list, the header and the export read. */
async function seedAccount(org: TestOrganisation, a: { name: string; status: LifecycleStatus; arr: number; csm: string | null; createdDaysAgo?: number }): Promise<string> {
  const id = randomUUID();
  const version = await findCurrentTemplateVersion(h.database.db, org.orgId, { templateName: 'Quick Start' });
  const domain = `${a.name.toLowerCase().replace(/\W+/g, '-')}-${id.slice(0, 6)}.example`;
  await insertAccountWithDomains(h.database.db, {
    id, orgId: org.orgId, companyName: a.name, arr: a.arr, closeDate: '2026-10-01', primaryContactName: 'Pat Contact',
    primaryContactEmail: `pat@${domain}`, primaryDomain: domain, status: a.status, csmUserId: a.csm, templateVersionId: version!.id,
    workflowId: `account-${id}`, createdAt: new Date(Date.now() - (a.createdDaysAgo ?? 0) * DAY - 60_000),
  }, [domain]);
  return id;
}

/** A form post with repeated fields (checkboxes), carrying the session's CSRF token unless told not to. */
function postForm(client: DashboardClient, path: string, fields: [string, string][], opts: { csrf?: boolean } = {}) {
  const body = new URLSearchParams(fields);
  if (opts.csrf !== false) body.set('_csrf', client.csrf);
  return Promise.resolve(h.app.request(path, { method: 'POST', headers: { cookie: client.cookie }, body }));
}

/** Follows a form's 303 back to the list with the flash cookie it set: the page a person lands on. */
async function landOn(client: DashboardClient, res: Response): Promise<{ location: string; html: string; flash: string | null }> {
  expect(res.status).toBe(303);
  const location = res.headers.get('location')!;
  const flashCookie = /relay_flash=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  const page = await h.app.request(location, { headers: { cookie: [client.cookie, flashCookie].filter(Boolean).join('; ') } });
  const html = await page.text();
  const flash = /<div class="flash (?:ok|error)"[^>]*data-flash[^>]*>([^<]*)<\/div>/.exec(html)?.[1] ?? null;
  return { location, html, flash: flash?.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&') ?? null };
}

const rowNames = (html: string) => [...html.matchAll(/<td><a href="\/accounts\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]!);

/** The portfolio header as a person reads it: per status the ARR and the count; at risk; waiting. */
function portfolio(html: string) {
  const section = /<section class="card portfolio"[^>]*>(.*?)<\/section>/s.exec(html)?.[1] ?? '';
  const text = (s: string) => s.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  const statuses = Object.fromEntries([...section.matchAll(/data-status="(\w+)"><span class="figure-label">[^<]+<\/span><strong class="figure-arr">([^<]+)<\/strong><span class="small muted">([^<]+)<\/span>/g)]
    .map((m) => [m[1]!, `${m[2]} · ${m[3]}`]));
  const atRisk = text(/<div class="figure figure-risk" data-at-risk[^>]*>(.*?)<\/div>/s.exec(section)?.[1] ?? '');
  const waiting = text(/<div class="figure figure-waiting" data-waiting[^>]*>(.*?)<\/div>/s.exec(section)?.[1] ?? '');
  return { statuses, atRisk, waiting, scope: text(/<h2 id="portfolio-title">(.*?)<\/h2>/s.exec(section)?.[1] ?? '') };
}

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => { await h?.close(); });

describe('the portfolio header, "my accounts" and clean URLs', () => {
  let org: TestOrganisation;
  let admin: DashboardClient;
  let casey: DashboardClient;
  let robin: DashboardClient;

  beforeAll(async () => {
    org = await h.newOrganisation();
    const [c, r] = org.csms;
    const ids = {
      a1: await seedAccount(org, { name: 'Alpha Healthy', status: 'active', arr: 100_000, csm: c!.id }),
      a2: await seedAccount(org, { name: 'Bravo Critical', status: 'active', arr: 50_000, csm: c!.id }),
      a3: await seedAccount(org, { name: 'Charlie At Risk', status: 'at_risk', arr: 20_000, csm: c!.id }),
      a4: await seedAccount(org, { name: 'Delta Sliding', status: 'active', arr: 200_000, csm: r!.id }),
      p1: await seedAccount(org, { name: 'Echo Waiting', status: 'pending_handoff', arr: 10_000, csm: null, createdDaysAgo: 4 }),
      p2: await seedAccount(org, { name: 'Foxtrot Waiting', status: 'pending_handoff', arr: 5_000, csm: null, createdDaysAgo: 1 }),
      c1: await seedAccount(org, { name: 'Golf Done', status: 'completed', arr: 30_000, csm: r!.id }),
      x1: await seedAccount(org, { name: 'Hotel Gone', status: 'churned', arr: 40_000, csm: r!.id }),
    };
    // Today's scores: 85 healthy, 30 critical, 45 at risk; a churned account's critical score is no ARR at risk.
    await putScoreHistories(h.database.db, org.orgId, new Map<string, ScoreHistory>([
      [ids.a1, new Map([[0, 85]])], [ids.a2, new Map([[0, 30]])], [ids.a4, new Map([[0, 45]])], [ids.x1, new Map([[0, 20]])],
    ]));
    // Another organisation's book must never count.
    const other = await h.newOrganisation();
    await seedAccount(other, { name: 'Other Org Pending', status: 'pending_handoff', arr: 999_000, csm: null, createdDaysAgo: 30 });
    admin = await signIn(h, org.adminEmail);
    casey = await signIn(h, c!.email);
    robin = await signIn(h, r!.email);
  });

  it('adds up accounts and ARR per status, ARR at risk and handoffs waiting on AEs in one repository call', async () => {
    const summary = await portfolioSummary(h.database.db, org.orgId);
    expect(summary.byStatus).toEqual({
      pending_handoff: { accounts: 2, arr: 15_000 }, active: { accounts: 3, arr: 350_000 }, at_risk: { accounts: 1, arr: 20_000 },
      completed: { accounts: 1, arr: 30_000 }, churned: { accounts: 1, arr: 40_000 },
    });
    // Charlie (at_risk status) + Bravo (critical) + Delta (at-risk tier); Hotel is churned.
    expect(summary.atRisk).toEqual({ accounts: 3, arr: 270_000 });
    expect(summary.waitingOnAe.accounts).toBe(2);
    expect(Math.floor((Date.now() - summary.waitingOnAe.oldestSince!.getTime()) / DAY)).toBe(4);
  });

  it('shows the header to an admin over every account, and keeps every status in it when a tab is chosen', async () => {
    const html = await (await admin.get('/accounts')).text();
    const p = portfolio(html);
    expect(p.statuses).toEqual({
      pending_handoff: '$15,000 · 2 accounts', active: '$350,000 · 3 accounts', at_risk: '$20,000 · 1 account',
      completed: '$30,000 · 1 account', churned: '$40,000 · 1 account',
    });
    expect(p.atRisk).toBe('ARR at risk $270,000 3 accounts · at-risk status or health');
    expect(p.waiting).toBe('Handoffs waiting on AEs 2 waiting oldest 4 days');
    expect(p.scope).toBe('Portfolio all accounts');
    expect(rowNames(html)).toHaveLength(8);
    // The tab narrows the rows, not the header; other filters narrow both.
    const active = await (await admin.get('/accounts?status=active')).text();
    expect(rowNames(active)).toHaveLength(3);
    expect(portfolio(active).statuses.pending_handoff).toBe('$15,000 · 2 accounts');
    const critical = portfolio(await (await admin.get('/accounts?tier=critical')).text());
    expect(critical.atRisk).toContain('$50,000 1 account');
    expect(critical.statuses.churned).toBe('$40,000 · 1 account');
    expect(critical.scope).toBe('Portfolio accounts under these filters');
  });

  it('opens a CSM on their own accounts, with a switch to all of them; an admin sees all', async () => {
    const mine = await (await casey.get('/accounts')).text();
    expect(rowNames(mine).sort()).toEqual(['Alpha Healthy', 'Bravo Critical', 'Charlie At Risk']);
    const p = portfolio(mine);
    expect(p.scope).toBe('Portfolio your accounts');
    expect(p.statuses.active).toBe('$150,000 · 2 accounts');
    expect(p.atRisk).toContain('$70,000 2 accounts');
    expect(p.waiting).toBe('Handoffs waiting on AEs 0 waiting none waiting');
    expect(mine).toMatch(/<a href="\/accounts" aria-current="page">My accounts<\/a>/);
    // The CSM filter shows whose accounts these are.
    expect(mine).toMatch(new RegExp(`<option value="${org.csms[0]!.id}" selected[^>]*>Casey CSM</option>`));
    const allHref = /<a href="([^"]+)">All accounts<\/a>/.exec(mine)![1]!.replaceAll('&amp;', '&');
    expect(allHref).toBe('/accounts?csm=all');
    const all = await (await casey.get(allHref)).text();
    expect(rowNames(all)).toHaveLength(8);
    expect(all).toMatch(/<a href="\/accounts\?csm=all" aria-current="page">All accounts<\/a>/);
    expect(portfolio(all).statuses.active).toBe('$350,000 · 3 accounts');
    // Robin's default is Robin's book.
    expect(rowNames(await (await robin.get('/accounts')).text()).sort()).toEqual(['Delta Sliding', 'Golf Done', 'Hotel Gone']);
    // Admins have no switch: everything is theirs to see.
    expect(await (await admin.get('/accounts')).text()).not.toContain('My accounts</a>');
  });

  it('answers the filter form with a redirect to the clean URL, and shows the default sort', async () => {
    const form = (q: string) => `/accounts?${q}&apply=1`;
    const blank = 'q=&template=&csm=&tier=&scoreMin=&scoreMax=&crm=&pageSize=25&sort=created&dir=&arrMin=&arrMax=&mrrMin=&mrrMax=&activeWithin=&inactiveFor=&activityFrom=&activityTo=';
    const plain = await admin.get(form(blank));
    expect(plain.status).toBe(302);
    expect(plain.headers.get('location')).toBe('/accounts');
    const some = await admin.get(form('q=alpha&template=&csm=all&tier=&pageSize=50&sort=arr&dir=&status=active'));
    expect(some.headers.get('location')).toBe('/accounts?q=alpha&status=active&sort=arr&pageSize=50');
    // A CSM choosing themselves is their default (no csm); choosing "Anyone" is said outright.
    expect((await casey.get(form(`csm=${org.csms[0]!.id}&tier=`))).headers.get('location')).toBe('/accounts');
    expect((await casey.get(form('csm=all&tier=critical'))).headers.get('location')).toBe('/accounts?csm=all&tier=critical');
    // A bad value is not redirected: the page says what is wrong.
    expect((await admin.get(form('arrMin=abc'))).status).toBe(400);
    // Links without the form's button are answered as they are (old bookmarks keep working).
    expect((await admin.get('/accounts?q=&tier=')).status).toBe(200);

    const html = await (await admin.get('/accounts')).text();
    expect(html).toMatch(/<option value="created" selected[^>]*>Date created \(default\)<\/option>/);
    expect(html).toMatch(/<option value="" selected[^>]*>Usual \(descending\)<\/option>/);
    const byArr = await (await admin.get('/accounts?sort=arr&dir=asc')).text();
    expect(byArr).toMatch(/<option value="arr" selected[^>]*>ARR<\/option>/);
    expect(byArr).toMatch(/<option value="asc" selected[^>]*>Ascending<\/option>/);
  });

  describe('saved views', () => {
    const hiddenQuery = (html: string) => /<form method="post" action="\/accounts\/views"[^>]*>.*?name="query" value="([^"]*)"/s.exec(html)![1]!.replaceAll('&amp;', '&');
    const viewLinks = (html: string) => [...(/<nav class="saved-views"[^>]*>(.*?)<\/nav>/s.exec(html)?.[1] ?? '').matchAll(/<a href="([^"]+)"( aria-current="page")? data-view="([^"]+)">([^<]+)/g)]
      .map((m) => ({ href: m[1]!.replaceAll('&amp;', '&'), current: Boolean(m[2]), id: m[3]!, name: m[4]! }));

    it('saves a person’s own view and a shared one: the owner sees both, a colleague only the shared one', async () => {
      // Casey, on their at-risk accounts, saves the view as the form would send it.
      const atRisk = await (await casey.get('/accounts?tier=critical')).text();
      expect(hiddenQuery(atRisk)).toBe(`csm=${org.csms[0]!.id}&tier=critical`);
      const saved = await landOn(casey, await postForm(casey, '/accounts/views', [['name', 'My critical'], ['query', hiddenQuery(atRisk)]]));
      expect(saved.flash).toBe('View "My critical" saved.');
      expect(saved.location).toBe(`/accounts?csm=${org.csms[0]!.id}&tier=critical`);
      expect(viewLinks(saved.html)).toMatchObject([{ name: 'My critical', current: true }]);
      expect(rowNames(saved.html)).toEqual(['Bravo Critical']);
      // Saved again under the same name: still one view.
      await postForm(casey, '/accounts/views', [['name', 'my critical'], ['query', hiddenQuery(atRisk)]]);
      // The admin shares "Big accounts": everyone's, written out, so it means the same to a CSM.
      const big = await (await admin.get('/accounts?arrMin=100000&page=1&q=')).text();
      expect(hiddenQuery(big)).toBe('arrMin=100000&csm=all');
      const shared = await landOn(admin, await postForm(admin, '/accounts/views', [['name', 'Big accounts'], ['shared', 'yes'], ['query', hiddenQuery(big)]]));
      expect(shared.flash).toBe('View "Big accounts" saved and shared with the organisation.');
      expect(shared.location).toBe('/accounts?arrMin=100000&csm=all');
      expect(viewLinks(shared.html)).toMatchObject([{ name: 'Big accounts', current: true }]);

      const caseyViews = viewLinks(await (await casey.get('/accounts')).text());
      expect(caseyViews.map((v) => v.name)).toEqual(['Big accounts', 'my critical']);
      const robinPage = await (await robin.get('/accounts')).text();
      expect(viewLinks(robinPage).map((v) => v.name)).toEqual(['Big accounts']);
      expect(robinPage).not.toContain('critical</a>');
      const bigView = viewLinks(robinPage)[0]!;
      expect(bigView.href).toBe('/accounts?arrMin=100000&csm=all');
      expect(rowNames(await (await robin.get(bigView.href)).text()).sort()).toEqual(['Alpha Healthy', 'Delta Sliding']);
      const rows = await h.database.db.select().from(savedViews).where(eq(savedViews.orgId, org.orgId));
      expect(rows).toHaveLength(2);
    });

    it('lets each person delete their own views, and only an admin or its author a shared one; never another org’s', async () => {
      const views = await h.database.db.select().from(savedViews).where(eq(savedViews.orgId, org.orgId));
      const mine = views.find((v) => v.ownerUserId === org.csms[0]!.id)!;
      const shared = views.find((v) => v.ownerUserId === null)!;
      const robinTries = await landOn(robin, await postForm(robin, `/accounts/views/${mine.id}/delete`, []));
      expect(robinTries.flash).toBe('No such view (it may have been deleted already).');
      const robinShared = await landOn(robin, await postForm(robin, `/accounts/views/${shared.id}/delete`, []));
      expect(robinShared.flash).toBe('Only an admin or the person who shared it can delete a shared view.');
      const stranger = await h.newOrganisation();
      const strangerAdmin = await signIn(h, stranger.adminEmail);
      expect((await landOn(strangerAdmin, await postForm(strangerAdmin, `/accounts/views/${shared.id}/delete`, []))).flash).toBe('No such view (it may have been deleted already).');
      expect(viewLinks(await (await strangerAdmin.get('/accounts')).text())).toEqual([]);
      expect(await h.database.db.select().from(savedViews).where(eq(savedViews.orgId, org.orgId))).toHaveLength(2);
      // Without the CSRF token nothing is deleted.
      expect((await postForm(casey, `/accounts/views/${mine.id}/delete`, [], { csrf: false })).status).toBe(403);

      expect((await landOn(casey, await postForm(casey, `/accounts/views/${mine.id}/delete`, []))).flash).toBe('View "my critical" deleted.');
      expect((await landOn(admin, await postForm(admin, `/accounts/views/${shared.id}/delete`, []))).flash).toBe('View "Big accounts" deleted.');
      expect(await h.database.db.select().from(savedViews).where(eq(savedViews.orgId, org.orgId))).toEqual([]);
    });

    it('refuses a view without a name, or with text Relay does not store', async () => {
      const unnamed = await landOn(casey, await postForm(casey, '/accounts/views', [['name', '  '], ['query', 'tier=critical']]));
      expect(unnamed.flash).toBe('The view was not saved: name the view.');
      const nul = await postForm(casey, '/accounts/views', [['name', 'bad\u0000name'], ['query', '']]);
      expect(nul.status).toBe(400);
      expect(await h.database.db.select().from(savedViews).where(eq(savedViews.orgId, org.orgId))).toEqual([]);
    });
  });
});

describe('bulk actions on the selected accounts', () => {
  let org: TestOrganisation;
  let admin: DashboardClient;
  let first: string;
  let second: string;
  let done: string;
  let foreign: string;
  let otherOrgId: string;

  beforeAll(async () => {
    org = await h.newOrganisation();
    [first, second] = await Promise.all([
      handedOffAccount(h, org, { companyName: 'Vandelay Industries' }).then((a) => a.id),
      handedOffAccount(h, org, { companyName: 'Kramerica' }).then((a) => a.id),
    ]) as [string, string];
    done = await seedAccount(org, { name: 'Pendant Publishing', status: 'completed', arr: 36_000, csm: org.csms[0]!.id });
    const other = await h.newOrganisation();
    otherOrgId = other.orgId;
    foreign = await seedAccount(other, { name: 'Other Org Active', status: 'active', arr: 1_000, csm: other.csms[0]!.id });
    admin = await signIn(h, org.adminEmail);
  }, 120_000);

  const ids = (...list: string[]): [string, string][] => list.map((id) => ['ids', id]);

  it('changes each account’s status through its workflow and says which refused and why', async () => {
    const res = await postForm(admin, '/accounts/bulk', [
      ['action', 'change_status'], ['status', 'at_risk'], ['requestId', 'bulk-test-0001'], ['back', 'sort=name&q='], ...ids(first, second, done, foreign),
    ]);
    const landed = await landOn(admin, res);
    expect(landed.location).toBe('/accounts?sort=name');
    expect(landed.flash).toBe('2 moved, 1 skipped: Pendant Publishing (the account is completed; its lifecycle has ended), 1 not found in this organisation and ignored.');
    for (const id of [first, second]) expect((await getAccount(h.database.db, org.orgId, id))!.status).toBe('at_risk');
    // On each account's timeline, by the person who did it, like a change from the account page.
    const changes = await h.database.db.select().from(timelineEvents)
      .where(and(eq(timelineEvents.accountId, first), eq(timelineEvents.type, 'status_changed')));
    expect(changes.map((e) => e.actor)).toContain(org.adminEmail);
    expect((await getAccount(h.database.db, org.orgId, done))!.status).toBe('completed');
    expect((await getAccount(h.database.db, otherOrgId, foreign))!.status).toBe('active');

    // The same form sent again (a double click) changes nothing more: both are already at risk.
    const again = await landOn(admin, await postForm(admin, '/accounts/bulk', [
      ['action', 'change_status'], ['status', 'at_risk'], ['requestId', 'bulk-test-0001'], ...ids(first, second),
    ]));
    expect(again.flash).toBe('0 moved, 2 skipped: Vandelay Industries (the account is already at_risk); Kramerica (the account is already at_risk).');
  });

  it('assigns a CSM to the selection ("select all on this page" included) without touching another org’s account', async () => {
    const robin = org.csms[1]!;
    const res = await postForm(admin, '/accounts/bulk', [
      ['action', 'assign_csm'], ['csmUserId', robin.id], ['allOnPage', 'yes'], ['pageIds', first], ['pageIds', second], ['pageIds', foreign], ...ids(first),
    ]);
    const landed = await landOn(admin, res);
    expect(landed.flash).toBe('2 assigned to Robin CSM, 1 not found in this organisation and ignored.');
    for (const id of [first, second]) expect((await getAccount(h.database.db, org.orgId, id))!.csmUserId).toBe(robin.id);
    expect(rowNames(landed.html)).toContain('Kramerica');
    expect((await getAccount(h.database.db, otherOrgId, foreign))!.csmUserId).not.toBe(robin.id);
    // Only a CSM of this organisation can be assigned.
    for (const who of [org.adminId, (await h.newOrganisation()).csms[0]!.id]) {
      const refused = await landOn(admin, await postForm(admin, '/accounts/bulk', [['action', 'assign_csm'], ['csmUserId', who], ...ids(first)]));
      expect(refused.flash).toBe('Nothing was changed: not a CSM of this organisation.');
    }
  });

  it('exports the selected accounts, only this organisation’s, as CSV', async () => {
    const res = await postForm(admin, '/accounts/bulk', [['action', 'export'], ...ids(done, first, foreign)]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="relay-accounts-\d{4}-\d\d-\d\d-selection\.csv"/);
    const csv = (await res.text()).replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(3);
    expect(csv).toContain(first);
    expect(csv).toContain(done);
    expect(csv).toContain('Pendant Publishing');
    expect(csv).not.toContain(foreign);
    expect(csv).not.toContain('Other Org Active');
  });

  it('refuses an empty selection, a selection over the cap, a missing choice and a post without the CSRF token', async () => {
    const none = await landOn(admin, await postForm(admin, '/accounts/bulk', [['action', 'export']]));
    expect(none.flash).toBe('Nothing was changed: Select at least one account (tick its row, or "Select all on this page").');
    const tooMany = Array.from({ length: 501 }, () => randomUUID());
    const capped = await landOn(admin, await postForm(admin, '/accounts/bulk', [['action', 'change_status'], ['status', 'churned'], ...ids(...tooMany)]));
    expect(capped.flash).toBe('Nothing was changed: At most 500 accounts at a time: 501 were selected. Narrow the list with filters and try again.');
    const noStatus = await landOn(admin, await postForm(admin, '/accounts/bulk', [['action', 'change_status'], ...ids(first)]));
    expect(noStatus.flash).toBe('Nothing was changed: choose the new status.');
    const forged = await postForm(admin, '/accounts/bulk', [['action', 'change_status'], ['status', 'churned'], ...ids(first, second)], { csrf: false });
    expect(forged.status).toBe(403);
    for (const id of [first, second]) expect((await getAccount(h.database.db, org.orgId, id))!.status).toBe('at_risk');
  });

  it('stops sending once the workers stop answering, says what was not attempted, and finishes when sent again', async () => {
    for (const running of h.running()) await running.stop();
    try {
      const deps = { db: h.database.db, temporal: h.deps.temporal, updateTimeouts: { acceptWithinMs: 1_500, finishWithinMs: 1_000 } };
      const outcome = await bulkChangeStatus(deps, org.orgId, [first, second, done], 'active', org.adminEmail, 'bulk-test-down');
      expect(outcome.moved).toEqual([]);
      expect(outcome.notAttempted.map((a) => a.name).sort()).toEqual(['Kramerica', 'Vandelay Industries']);
      expect(describeBulkOutcome(outcome, 'moved')).toBe(
        '0 moved, 1 skipped: Pendant Publishing (the account is completed; its lifecycle has ended), 2 not attempted: Relay\'s workers stopped answering; send the same selection again in a moment to finish them.',
      );
    } finally {
      await h.startWorker();
    }
    const again = await landOn(admin, await postForm(admin, '/accounts/bulk', [['action', 'change_status'], ['status', 'active'], ...ids(first, second)]));
    expect(again.flash).toBe('2 moved.');
    for (const id of [first, second]) expect((await getAccount(h.database.db, org.orgId, id))!.status).toBe('active');
  });

  it('draws the bulk form around the table: a checkbox per row, select-all with the page’s IDs, the actions', async () => {
    const html = await (await admin.get('/accounts')).text();
    expect(html).toContain('<form method="post" action="/accounts/bulk" class="bulk-form" id="bulk"');
    for (const id of [first, second, done]) {
      expect(html).toContain(`<input type="checkbox" name="ids" value="${id}" form="bulk"/>`);
      expect(html).toContain(`<input type="hidden" name="pageIds" value="${id}"/>`);
    }
    expect(html).toContain('Select all 3 on this page');
    expect(html).toMatch(/name="_csrf" value="[^"]+"[^>]*>\s*<input type="hidden" name="requestId"/);
    for (const action of ['assign_csm', 'change_status', 'export']) expect(html).toContain(`name="action" value="${action}"`);
  });
});
