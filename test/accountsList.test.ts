import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAccountWithDomains } from '../db/repositories/accounts.ts';
import { findCurrentTemplateVersion, listTemplates, saveTemplate } from '../db/repositories/templates.ts';
import type { LifecycleStatus } from '../domain/lifecycle.ts';
import { STARTER_TEMPLATES } from '../db/seed/starterTemplates.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { createHarness, type Harness, type TestOrganisation } from './harness.ts';

const DAY = 86_400_000;

interface Spec {
  name: string;
  arr: number;
  status: LifecycleStatus;
  csm: number | null;
  template: string;
  idleDays: number;
  contact: string;
  email: string;
  domains: string[];
  progress: [number, number];
}

// The same book of business in two organisations: names and domains repeat across orgs on purpose.
const BOOK: Spec[] = [
  { name: 'Acme Corp', arr: 240_000, status: 'active', csm: 0, template: 'Standard SaaS Onboarding', idleDays: 2, contact: 'Wile Coyote', email: 'wile@acme-corp.example', domains: ['acme-corp.example'], progress: [2, 5] },
  { name: 'Globex', arr: 60_000, status: 'at_risk', csm: 1, template: 'Enterprise Implementation', idleDays: 40, contact: 'Hank Scorpio', email: 'hank@globex.example', domains: ['globex.example', 'globex-eu.example'], progress: [1, 4] },
  { name: 'Initech', arr: 12_000, status: 'pending_handoff', csm: null, template: 'Standard SaaS Onboarding', idleDays: 1, contact: 'Peter Gibbons', email: 'peter@initech.example', domains: ['initech.example'], progress: [0, 5] },
  { name: 'Umbrella', arr: 1_200_000, status: 'active', csm: 0, template: 'Quick Start', idleDays: 100, contact: 'Albert Wesker', email: 'albert@umbrella.example', domains: ['umbrella.example'], progress: [3, 3] },
  { name: 'Hooli', arr: 36_000, status: 'completed', csm: 2, template: 'Standard SaaS Onboarding (v1)', idleDays: 10, contact: 'Gavin Belson', email: 'gavin@hooli.example', domains: ['hooli.example'], progress: [5, 5] },
  { name: 'Stark Industries', arr: 500_000, status: 'churned', csm: 1, template: 'Enterprise Implementation', idleDays: 200, contact: 'Pepper Potts', email: 'pepper@stark.example', domains: ['stark.example'], progress: [2, 4] },
];

let h: Harness;
let orgA: TestOrganisation;
let orgB: TestOrganisation;
let admin: DashboardClient;
const idsA = new Map<string, string>();
const idsB = new Map<string, string>();
let standardTemplateId: string;

async function seedBook(org: TestOrganisation, ids: Map<string, string>) {
  const db = h.database.db;
  const v1 = await findCurrentTemplateVersion(db, org.orgId, { templateName: 'Standard SaaS Onboarding' });
  // A second version of Standard, so "template" must match accounts on any of its versions.
  const standard = STARTER_TEMPLATES.find((t) => t.name === 'Standard SaaS Onboarding')!;
  const v2 = await saveTemplate(db, org.orgId, { ...standard, description: `${standard.description} (revised)` });
  const versionFor = async (template: string) => {
    if (template === 'Standard SaaS Onboarding (v1)') return v1!.id;
    if (template === 'Standard SaaS Onboarding') return v2.id;
    return (await findCurrentTemplateVersion(db, org.orgId, { templateName: template }))!.id;
  };
  const now = Date.now();
  for (const [i, s] of BOOK.entries()) {
    const id = randomUUID();
    ids.set(s.name, id);
    await insertAccountWithDomains(db, {
      id, orgId: org.orgId, companyName: s.name, arr: s.arr, closeDate: '2026-10-01',
      primaryContactName: s.contact, primaryContactEmail: s.email, primaryDomain: s.domains[0]!,
      status: s.status, csmUserId: s.csm === null ? null : org.csms[s.csm]!.id, templateVersionId: await versionFor(s.template),
      workflowId: `account-${id}`, milestonesCompleted: s.progress[0], milestonesTotal: s.progress[1],
      createdAt: new Date(now - (BOOK.length - i) * 60_000), lastActivityAt: new Date(now - s.idleDays * DAY),
    }, s.domains);
  }
}

async function seedFillers(org: TestOrganisation, n: number) {
  for (let i = 1; i <= n; i++) {
    const id = randomUUID();
    const version = await findCurrentTemplateVersion(h.database.db, org.orgId, { templateName: 'Quick Start' });
    await insertAccountWithDomains(h.database.db, {
      id, orgId: org.orgId, companyName: `Filler ${String(i).padStart(2, '0')}`, arr: 1000 * i, closeDate: '2026-10-01',
      primaryContactName: 'Pat Filler', primaryContactEmail: `pat@filler${i}.example`, primaryDomain: `filler${i}.example`,
      status: 'active', templateVersionId: version!.id, workflowId: `account-${id}`, createdAt: new Date(Date.now() - i * 60_000),
    }, [`filler${i}.example`]);
  }
}

/** Company names of the rows, in order, with the ID each links to. */
function rows(html: string): { id: string; name: string }[] {
  return [...html.matchAll(/<td><a href="\/accounts\/([^"]+)">([^<]+)<\/a>/g)].map((m) => ({ id: m[1]!, name: m[2]! }));
}
const names = (html: string) => rows(html).map((r) => r.name);

function tabs(html: string): Record<string, { href: string; count: number; current: boolean }> {
  const nav = /<nav class="tabs"[^>]*>(.*?)<\/nav>/s.exec(html)?.[1] ?? '';
  return Object.fromEntries([...nav.matchAll(/<a href="([^"]+)"( aria-current="page")?>([^<]+)<span class="count">([\d,]+)<\/span><\/a>/g)]
    .map((m) => [m[3]!, { href: m[1]!.replaceAll('&amp;', '&'), count: Number(m[4]!.replace(/,/g, '')), current: Boolean(m[2]) }]));
}

function sortLink(html: string, label: string): { href: string; ariaSort: string } {
  const m = new RegExp(`<th scope="col" aria-sort="([a-z]+)"><a href="([^"]+)">${label}`).exec(html);
  if (!m) throw new Error(`no sortable header ${label}`);
  return { ariaSort: m[1]!, href: m[2]!.replaceAll('&amp;', '&') };
}

/** What a browser would send when the filter form is submitted as it stands. */
function submitFilterForm(html: string): string {
  const form = /<form class="card" method="get" action="\/accounts"[^>]*>(.*?)<\/form>/s.exec(html)?.[1] ?? '';
  const params = new URLSearchParams();
  for (const m of form.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) params.append(m[1]!, m[2]!.replaceAll('&amp;', '&'));
  for (const m of form.matchAll(/<select[^>]*name="([^"]+)"[^>]*>(.*?)<\/select>/gs)) {
    params.append(m[1]!, /<option value="([^"]*)" selected/.exec(m[2]!)?.[1] ?? '');
  }
  return `/accounts?${params}`;
}

async function page(path: string, client = admin) {
  const res = await client.get(path);
  return { status: res.status, html: await res.text() };
}

beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  orgA = await h.newOrganisation();
  orgB = await h.newOrganisation();
  await seedBook(orgA, idsA);
  await seedBook(orgB, idsB);
  standardTemplateId = (await listTemplates(h.database.db, orgA.orgId)).find((t) => t.name === 'Standard SaaS Onboarding')!.id;
  admin = await signIn(h, orgA.adminEmail);
});
afterAll(async () => { await h?.close(); });

describe('accounts list page', () => {
  it('shows the tabs with counts per status and the org total in the header', async () => {
    const { status, html } = await page('/accounts');
    expect(status).toBe(200);
    expect(html).toContain('6 accounts in total');
    const t = tabs(html);
    expect(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.count]))).toEqual({
      All: 6, 'Pending handoff': 1, Active: 2, 'At risk': 1, Completed: 1, Churned: 1,
    });
    expect(t.All!.current).toBe(true);
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/accounts-list.html', html);
    expect(names(html).sort()).toEqual(BOOK.map((b) => b.name).sort());
  });

  it('counts tabs under every filter but status, and the tab links keep the other filters', async () => {
    const casey = orgA.csms[0]!.id;
    const { html } = await page(`/accounts?status=active&csm=${casey}&sort=arr`);
    expect(names(html)).toEqual(['Umbrella', 'Acme Corp']);
    const t = tabs(html);
    expect(t.Active).toMatchObject({ count: 2, current: true });
    expect(t.All!.count).toBe(2);
    expect(t.Churned!.count).toBe(0);
    expect(t['At risk']!.href).toBe(`/accounts?status=at_risk&csm=${casey}&sort=arr`);
    expect(t.All!.href).toBe(`/accounts?csm=${casey}&sort=arr`);
  });

  it('lets a CSM see every account of the organisation through "All accounts", their own by default (issue 14)', async () => {
    const csm = await signIn(h, orgA.csms[2]!.email);
    const { html } = await page('/accounts', csm);
    expect(names(html)).toEqual(['Hooli']);
    const all = /<a href="([^"]+)"[^>]*>All accounts<\/a>/.exec(html)![1]!.replaceAll('&amp;', '&');
    expect(rows((await page(all, csm)).html)).toHaveLength(6);
  });

  it('narrows the rows with each filter', async () => {
    const only = async (query: string) => names((await page(`/accounts?${query}&sort=name`)).html);
    expect(await only('status=at_risk')).toEqual(['Globex']);
    expect(await only('q=initech')).toEqual(['Initech']);
    expect(await only('arrMin=100000&arrMax=600000')).toEqual(['Acme Corp', 'Stark Industries']);
    // MRR 5,000 = ARR 60,000; MRR up to 3,000 = ARR up to 36,000.
    expect(await only('mrrMin=5000&mrrMax=5000')).toEqual(['Globex']);
    expect(await only('mrrMax=3000')).toEqual(['Hooli', 'Initech']);
    expect(await only(`template=${standardTemplateId}`)).toEqual(['Acme Corp', 'Hooli', 'Initech']);
    expect(await only(`csm=${orgA.csms[1]!.id}`)).toEqual(['Globex', 'Stark Industries']);
    expect(await only('csm=unassigned')).toEqual(['Initech']);
    expect(await only('activeWithin=7')).toEqual(['Acme Corp', 'Initech']);
    expect(await only('inactiveFor=30')).toEqual(['Globex', 'Stark Industries', 'Umbrella']);
    const day = (ago: number) => new Date(Date.now() - ago * DAY).toISOString().slice(0, 10);
    expect(await only(`activityFrom=${day(45)}&activityTo=${day(35)}`)).toEqual(['Globex']);
    expect(await only('q=nothing-like-this')).toEqual([]);
  });

  it('finds an account by its contact email, contact name and any of its domains', async () => {
    expect(names((await page('/accounts?q=hank%40globex.example')).html)).toEqual(['Globex']);
    expect(names((await page('/accounts?q=Pepper+Potts')).html)).toEqual(['Stark Industries']);
    expect(names((await page('/accounts?q=globex-eu.example')).html)).toEqual(['Globex']);
    // A LIKE wildcard typed in the box is a character to find, not "anything".
    expect(names((await page('/accounts?q=%25')).html)).toEqual([]);
  });

  it('sorts by ARR both ways, with headers that toggle and say how the list is sorted', async () => {
    const desc = await page('/accounts?sort=arr&dir=desc');
    expect(names(desc.html)).toEqual(['Umbrella', 'Stark Industries', 'Acme Corp', 'Globex', 'Hooli', 'Initech']);
    const arr = sortLink(desc.html, 'ARR / MRR');
    expect(arr.ariaSort).toBe('descending');
    expect(arr.href).toBe('/accounts?sort=arr&dir=asc');
    expect(sortLink(desc.html, 'Company').ariaSort).toBe('none');
    const asc = await page(arr.href);
    expect(names(asc.html)).toEqual(['Initech', 'Hooli', 'Globex', 'Acme Corp', 'Stark Industries', 'Umbrella']);
    expect(sortLink(asc.html, 'ARR / MRR').ariaSort).toBe('ascending');
    expect(asc.html).toContain('$1,200,000');
    expect(asc.html).toContain('$100,000 / mo');
  });

  it('pages through the list with "showing x–y of N" and never repeats a row', async () => {
    const org = await h.newOrganisation();
    await seedFillers(org, 23);
    const client = await signIn(h, org.adminEmail);
    const first = await page('/accounts?pageSize=10&sort=arr&dir=asc', client);
    expect(first.html).toContain('Showing 1–10 of 23');
    expect(names(first.html)[0]).toBe('Filler 01');
    const next = /<a class="button secondary" rel="next" href="([^"]+)"/.exec(first.html)![1]!.replaceAll('&amp;', '&');
    expect(next).toBe('/accounts?sort=arr&dir=asc&page=2&pageSize=10');
    const second = await page(next, client);
    expect(second.html).toContain('Showing 11–20 of 23');
    const third = await page('/accounts?pageSize=10&sort=arr&dir=asc&page=3', client);
    expect(third.html).toContain('Showing 21–23 of 23');
    const seen = [first, second, third].flatMap((p) => names(p.html));
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    const beyond = await page('/accounts?pageSize=10&page=9', client);
    expect(beyond.status).toBe(200);
    expect(beyond.html).toContain('There is no page 9');
  });

  it('keeps every filter in the URL: the form shows them and re-submitting it gives the same view', async () => {
    const url = `/accounts?q=e&status=active&arrMin=1000&template=&csm=${orgA.csms[0]!.id}&sort=arr&dir=asc&pageSize=50`;
    const first = await page(url);
    expect(names(first.html)).toEqual(['Acme Corp', 'Umbrella']);
    expect(first.html).toContain('name="arrMin" type="text" value="1000"');
    const resubmitted = submitFilterForm(first.html);
    expect(new URL(resubmitted, 'http://x').searchParams.get('status')).toBe('active');
    const again = await page(resubmitted);
    expect(names(again.html)).toEqual(names(first.html));
    expect(tabs(again.html)).toEqual(tabs(first.html));
  });

  it('answers a bad parameter with a 400 page that names it', async () => {
    for (const [query, param] of [['arrMin=abc', 'arrMin'], ['page=-1', 'page'], ['sort=bogus', 'sort'], ['pageSize=500', 'pageSize'],
      ['activityFrom=yesterday', 'activityFrom'], ['arrMin=10&arrMax=5', 'arrMax'], ['status=lost', 'status']] as const) {
      const res = await page(`/accounts?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.html, query).toContain(`<code>${param}</code>`);
      expect(rows(res.html)).toEqual([]);
    }
    const shown = await page('/accounts?arrMin=abc&q=acme');
    expect(shown.html).toContain('value="abc"');
    expect(shown.html).toContain('arrMin must be a whole number');
  });

  it('never shows another organisation’s accounts, even with the same names, templates or CSM IDs', async () => {
    const { html } = await page('/accounts?q=acme');
    expect(rows(html)).toEqual([{ id: idsA.get('Acme Corp')!, name: 'Acme Corp' }]);
    const all = rows((await page('/accounts?pageSize=100')).html).map((r) => r.id);
    for (const id of idsB.values()) expect(all).not.toContain(id);
    const bTemplate = (await listTemplates(h.database.db, orgB.orgId))[0]!.id;
    expect(rows((await page(`/accounts?template=${bTemplate}`)).html)).toEqual([]);
    expect(rows((await page(`/accounts?csm=${orgB.csms[0]!.id}`)).html)).toEqual([]);
    expect(tabs((await page(`/accounts?csm=${orgB.csms[0]!.id}`)).html).All!.count).toBe(0);
  });
});

describe('GET /api/accounts', () => {
  type ListBody = { total: number; items: { id: string; companyName: string; arr: number; mrr: number }[] };
  const list = async (query: string) => {
    const res = await orgA.api(`/api/accounts?${query}`);
    expect(res.status, query).toBe(200);
    return (await res.json()) as ListBody;
  };

  it('takes the same filters and sort as the page and still answers { items, total }', async () => {
    const body = await list('status=active&q=acme&page=1&pageSize=10');
    expect(body.total).toBe(1);
    expect(body.items.map((i) => i.id)).toEqual([idsA.get('Acme Corp')]);
    expect(body.items[0]!.mrr).toBe(20_000);
    const sorted = await list('sort=arr&dir=asc&arrMin=30000&pageSize=2');
    expect(sorted.total).toBe(5);
    expect(sorted.items.map((i) => i.companyName)).toEqual(['Hooli', 'Globex']);
    expect((await list('csm=unassigned')).items.map((i) => i.companyName)).toEqual(['Initech']);
    expect((await list('q=globex-eu')).items.map((i) => i.id)).toEqual([idsA.get('Globex')]);
  });

  it('names a bad parameter in a 400', async () => {
    const res = await orgA.api('/api/accounts?arrMin=abc&sort=size');
    expect(res.status).toBe(400);
    const body = await res.json() as { error: { code: string; fields: { field: string }[] } };
    expect(body.error.code).toBe('validation');
    expect(body.error.fields.map((f) => f.field).sort()).toEqual(['arrMin', 'sort']);
  });
});
