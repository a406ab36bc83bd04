import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { listTemplates } from '../db/repositories/templates.ts';
import { accounts } from '../db/schema/index.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

async function accountCount(orgId: string): Promise<number> {
  const [row] = await h.database.db.select({ n: count() }).from(accounts).where(eq(accounts.orgId, orgId));
  return row?.n ?? 0;
}

async function templateId(org: TestOrganisation, name: string): Promise<string> {
  const found = (await listTemplates(h.database.db, org.orgId)).find((t) => t.name === name);
  if (!found) throw new Error(`no template ${name}`);
  return found.id;
}

/** Follows a 303 the way a browser does, carrying the one-shot flash cookie it set. */
async function follow(client: DashboardClient, res: Response): Promise<Response> {
  const flash = /relay_flash=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  return h.app.request(res.headers.get('location')!, { headers: { cookie: [client.cookie, flash].filter(Boolean).join('; ') } });
}

function goodForm(overrides: Record<string, string> = {}): Record<string, string> {
  const body = accountBody();
  return {
    companyName: body.companyName, arr: '$120,000', closeDate: body.closeDate,
    primaryContactName: body.primaryContactName, primaryContactEmail: body.primaryContactEmail,
    primaryContactRole: 'VP Operations', industry: 'Paper', companySize: '51-500', website: body.website,
    aeEmail: 'ae@relay.test', notes: 'Signed after a long pilot', rawPayload: body.rawPayload, ...overrides,
  };
}

describe('the create-account form', () => {
  it('offers every field of an account and the organisation\'s templates with their versions', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const page = await client.get('/accounts/new');
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const name of ['companyName', 'arr', 'closeDate', 'primaryContactName', 'primaryContactEmail', 'primaryContactRole',
      'industry', 'companySize', 'website', 'aeEmail', 'templateId', 'notes', 'rawPayload']) {
      expect(html).toContain(`name="${name}"`);
      expect(html).toContain(`for="account-${name}"`);
    }
    expect(html).toContain('Standard SaaS Onboarding (v1)');
    expect(html).toContain('Quick Start (v1)');
    expect(html).toMatch(/name="_csrf"/);
  });

  it('re-renders bad fields with an error beside each, keeps what was typed, and stores nothing', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const res = await client.post('/accounts/new', goodForm({
      companyName: '', arr: 'lots', closeDate: '2026-02-30', primaryContactEmail: 'peter-at-initech',
      website: 'http://insecure.example', companySize: 'huge',
    }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('The account was not created');
    expect(html).toContain('company name is required');
    expect(html).toContain('ARR must be a whole number of dollars');
    expect(html).toContain('close date is not a real calendar date');
    expect(html).toContain('primary contact email is not a valid email');
    expect(html).toContain('website must be an https URL');
    expect(html).toContain('company size must be one of');
    // The template was never chosen: said now, not after the other fields are fixed.
    expect(html).toContain('choose an onboarding template');
    expect(html).toMatch(/id="account-arr" name="arr" type="text" value="lots"[^>]*aria-invalid="true"/);
    expect(html).toContain('value="peter-at-initech"');
    expect(html).toContain('name="closeDate" type="text" value="2026-02-30"');
    expect(html).toContain('value="http://insecure.example"');
    expect(html).toContain('Signed after a long pilot');
    expect(html).toContain('value="VP Operations"');
    expect(await accountCount(org.orgId)).toBe(0);
  });

  it('rejects a template of another organisation as unknown, keeping the choice list its own', async () => {
    const org = await h.newOrganisation();
    const other = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const res = await client.post('/accounts/new', goodForm({ templateId: await templateId(other, 'Quick Start') }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('no such template in this organisation');
    expect(await accountCount(org.orgId)).toBe(0);
  });

  it('creates the account from a good form and lands on its page', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const fields = goodForm({ templateId: await templateId(org, 'Quick Start'), companyName: 'Hooli Form Co' });
    const res = await client.post('/accounts/new', fields);
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/accounts\/[0-9a-f-]{36}$/);
    const id = location.split('/').pop()!;
    const [stored] = await h.database.db.select().from(accounts).where(eq(accounts.id, id));
    expect(stored).toMatchObject({
      orgId: org.orgId, companyName: 'Hooli Form Co', arr: 120_000, companySize: '51-500', industry: 'Paper',
      primaryContactRole: 'VP Operations', status: 'pending_handoff', notes: 'Signed after a long pilot',
    });
    const page = await follow(client, res);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Hooli Form Co created');
    expect(html).toContain('Quick Start');
    expect(html).toContain('$120,000');
  });

  it('says a known domain belongs to an existing account, links to it, and keeps the form', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const existing = await org.api('/api/accounts', { body: accountBody({ companyName: 'Vandelay Industries', website: 'https://vandelay.example' }) });
    const { id } = await existing.json() as { id: string };
    const res = await client.post('/accounts/new', goodForm({
      companyName: 'Vandelay Imports', website: 'https://www.VANDELAY.example/about', templateId: await templateId(org, 'Quick Start'),
    }));
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain('already exists');
    expect(html).toContain(`<a href="/accounts/${id}">Vandelay Industries</a>`);
    expect(html).toContain('value="Vandelay Imports"');
    expect(await accountCount(org.orgId)).toBe(1);
  });

  it('refuses a form post without the CSRF token', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const res = await client.post('/accounts/new', goodForm({ templateId: await templateId(org, 'Quick Start') }), { csrf: false });
    expect(res.status).toBe(403);
    expect(await accountCount(org.orgId)).toBe(0);
  });
});
