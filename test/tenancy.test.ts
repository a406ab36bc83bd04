import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, notes, tasks, templates } from '../db/schema/index.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

/**
 * Organisation B guesses organisation A's IDs on every route that takes one. Each answer must be a
 * 404 (never A's data, never a 500), and A's records must be untouched afterwards.
 */
let h: Harness;
let a: TestOrganisation;
let b: TestOrganisation;
let adminA: DashboardClient;
let adminB: DashboardClient;
const ids = { account: '', milestone: '', task: '', template: '', user: '', importId: '', accountB: '' };

beforeAll(async () => {
  h = await createHarness();
  a = await h.newOrganisation();
  b = await h.newOrganisation();
  adminA = await signIn(h, a.adminEmail);
  adminB = await signIn(h, b.adminEmail);

  const created = await a.api('/api/accounts', { body: accountBody({ companyName: 'Secret Plans of Org A' }) });
  ids.account = (await created.json() as { id: string }).id;
  const detail = await eventually(async () => {
    const body = await (await a.api(`/api/accounts/${ids.account}`)).json() as { milestones: { id: string }[] };
    return body.milestones.length ? body : undefined;
  }, { what: "org A's milestones" });
  ids.milestone = detail.milestones[0]!.id;
  await adminA.post(`/accounts/${ids.account}/tasks`, { title: 'Org A private task', dueDate: '2026-12-01' });
  await adminA.post(`/accounts/${ids.account}/contacts`, { name: 'Org A Contact', email: 'contact@org-a.example' });
  await adminA.post(`/accounts/${ids.account}/notes`, { body: 'Org A private note' });
  const [task] = await h.database.db.select().from(tasks).where(eq(tasks.accountId, ids.account));
  ids.task = task!.id;
  const [template] = await h.database.db.select().from(templates).where(eq(templates.orgId, a.orgId));
  ids.template = template!.id;
  ids.user = a.csms[0]!.id;
  const csv = 'company_name,arr,close_date,primary_contact_name,primary_contact_email,template_name\nOrg A Import Co,1000,2026-11-01,Pat,pat@orga-import.example,Quick Start\n';
  const uploaded = await h.app.request('/api/imports', { method: 'POST', body: csv, headers: { authorization: `Bearer ${a.apiKey}`, 'content-type': 'text/csv' } });
  ids.importId = (await uploaded.json() as { id: string }).id;
  const createdB = await b.api('/api/accounts', { body: accountBody({ companyName: 'Org B Own Account' }) });
  ids.accountB = (await createdB.json() as { id: string }).id;
});
afterAll(async () => { await h?.close(); });

describe('organisation B guessing organisation A\'s IDs', () => {
  it('gets 404 from every API route, and nothing of A in lists or exports', async () => {
    const attempts: [string, string, unknown?][] = [
      ['GET', `/api/accounts/${ids.account}`],
      ['POST', `/api/accounts/${ids.account}/status`, { status: 'at_risk', note: 'x' }],
      ['POST', `/api/accounts/${ids.account}/csm`, { csmEmail: b.csms[0]!.email }],
      ['POST', `/api/accounts/${ids.account}/milestones/${ids.milestone}/complete`, {}],
      ['POST', `/api/accounts/${ids.accountB}/milestones/${ids.milestone}/complete`, {}],
      ['POST', `/api/accounts/${ids.account}/handoff/resend`, {}],
      ['GET', `/api/imports/${ids.importId}`],
      ['POST', `/api/imports/${ids.importId}/confirm`, {}],
    ];
    for (const [method, path, body] of attempts) {
      const res = await b.api(path, { method, ...(body === undefined ? {} : { body }) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.text(), path).not.toContain('Secret Plans');
    }
    const outbox = await (await b.api(`/api/outbox?accountId=${ids.account}`)).json() as { items: unknown[] };
    expect(outbox.items).toEqual([]);
    const search = await (await b.api('/api/accounts?q=secret%20plans')).json() as { total: number };
    expect(search.total).toBe(0);
    const exported = await (await b.api('/api/exports/accounts.csv')).text();
    expect(exported).toContain('Org B Own Account');
    expect(exported).not.toContain('Secret Plans');
  });

  it('gets a 404 page from every dashboard page and form that names one of A\'s records', async () => {
    const pages = [
      `/accounts/${ids.account}`, `/templates/${ids.template}`, `/templates/${ids.template}/versions/1`,
      `/templates/${ids.template}/edit`, `/imports/${ids.importId}`,
    ];
    for (const path of pages) {
      const res = await adminB.get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toMatch(/Secret Plans|Org A/);
    }
    const posts: [string, Record<string, string>][] = [
      [`/accounts/${ids.account}/status`, { status: 'churned', note: 'guess' }],
      [`/accounts/${ids.account}/csm`, { csmEmail: b.csms[0]!.email }],
      [`/accounts/${ids.account}/milestones/${ids.milestone}/complete`, {}],
      [`/accounts/${ids.accountB}/milestones/${ids.milestone}/complete`, {}],
      [`/accounts/${ids.account}/handoff/resend`, {}],
      [`/accounts/${ids.account}/tasks`, { title: 'planted' }],
      [`/accounts/${ids.account}/tasks/${ids.task}/complete`, {}],
      [`/accounts/${ids.accountB}/tasks/${ids.task}/complete`, {}],
      [`/accounts/${ids.account}/contacts`, { name: 'Planted', email: 'planted@org-b.example' }],
      [`/accounts/${ids.account}/notes`, { body: 'planted note' }],
      [`/templates/${ids.template}/edit`, { name: 'Hijacked' }],
      [`/users/${ids.user}/role`, { role: 'admin' }],
      [`/users/${ids.user}/sign-in-link`, {}],
      [`/imports/${ids.importId}/confirm`, {}],
    ];
    for (const [path, fields] of posts) {
      const res = await adminB.post(path, fields);
      expect(res.status, path).toBe(404);
    }

    // A's records are as A left them.
    const [task] = await h.database.db.select().from(tasks).where(eq(tasks.id, ids.task));
    expect(task!.completedAt).toBeNull();
    expect(await h.database.db.select().from(contacts).where(eq(contacts.accountId, ids.account))).toHaveLength(1);
    expect((await h.database.db.select().from(notes).where(eq(notes.accountId, ids.account))).map((n) => n.body)).toEqual(['Org A private note']);
    const account = await (await a.api(`/api/accounts/${ids.account}`)).json() as { status: string; csm: unknown; companyName: string };
    expect(account).toMatchObject({ status: 'pending_handoff', csm: null, companyName: 'Secret Plans of Org A' });
    const [template] = await h.database.db.select().from(templates).where(eq(templates.id, ids.template));
    expect(template!.name).not.toBe('Hijacked');
  });

  it('shows B none of A\'s accounts, templates, users or imports in its own lists', async () => {
    for (const path of ['/accounts', '/accounts?q=secret', '/templates', '/users', '/imports']) {
      const html = await (await adminB.get(path)).text();
      expect(html, path).not.toContain('Secret Plans');
      expect(html, path).not.toContain(a.csms[0]!.email);
      expect(html, path).not.toContain(a.adminEmail);
    }
  });
});
