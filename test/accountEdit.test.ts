import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { accounts, timelineEvents } from '../db/schema/index.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { ServiceError, type Client } from '@temporalio/client';
import { editAccount } from '../services/accountEdits.ts';
import { RelayError } from '../services/errors.ts';
import { accountWorkflowId, SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

// Editing an account after creation (issue 14): PATCH /api/accounts/:id and /accounts/:id/edit.

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

interface Detail { id: string; companyName: string; arr: number; closeDate: string; primaryContactEmail: string; primaryContactRole: string | null; notes: string | null; primaryDomain: string | null; domains: { domain: string; isPrimary: boolean }[] }

async function newAccount(org: TestOrganisation, overrides: Record<string, unknown> = {}) {
  const body = accountBody(overrides);
  const res = await org.api('/api/accounts', { body });
  expect(res.status).toBe(201);
  const { id } = await res.json() as { id: string };
  return { id, body, domain: new URL(body.website as string).hostname.replace(/^www\./, '') };
}

async function detail(org: TestOrganisation, id: string): Promise<{ account: Detail; etag: string }> {
  const res = await org.api(`/api/accounts/${id}`);
  expect(res.status).toBe(200);
  return { account: await res.json() as Detail, etag: res.headers.get('etag') ?? '' };
}

const patch = (org: TestOrganisation, id: string, body: unknown, headers: Record<string, string> = {}) =>
  org.api(`/api/accounts/${id}`, { method: 'PATCH', body, headers });

async function editEvents(accountId: string) {
  return h.database.db.select({ actor: timelineEvents.actor, message: timelineEvents.message, data: timelineEvents.data })
    .from(timelineEvents).where(and(eq(timelineEvents.accountId, accountId), eq(timelineEvents.type, 'account_edited')));
}

/** The visible text of the page's activity entries of one type, one string per entry. */
function timelineEntries(html: string, type: string): string[] {
  const list = /<section class="card" id="timeline"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  return [...list.matchAll(new RegExp(`<li data-type="${type}">([\\s\\S]*?)</li>`, 'g'))]
    .map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim());
}

async function follow(client: DashboardClient, res: Response): Promise<string> {
  expect(res.status).toBe(303);
  const flash = /relay_flash=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  const page = await h.app.request(res.headers.get('location')!, { headers: { cookie: [client.cookie, flash].filter(Boolean).join('; ') } });
  expect(page.status).toBe(200);
  return page.text();
}

describe('PATCH /api/accounts/:id', () => {
  let org: TestOrganisation;
  beforeAll(async () => { org = await h.newOrganisation(); });

  it('changes only the fields it names, takes ARR as people write it, and records before and after on the timeline', async () => {
    const { id, body } = await newAccount(org, { arr: 48_000, companyName: 'Initrode Typo' });
    const res = await patch(org, id, { arr: '$52,000', companyName: '  Initrode  ', primaryContactRole: null });
    expect(res.status).toBe(200);
    const answer = await res.json() as Detail & { version: string; changes: { field: string; before: unknown; after: unknown }[] };
    expect(answer.arr).toBe(52_000);
    expect(answer.companyName).toBe('Initrode');
    expect(answer.changes).toEqual([
      { field: 'companyName', before: 'Initrode Typo', after: 'Initrode' },
      { field: 'arr', before: 48_000, after: 52_000 },
      { field: 'primaryContactRole', before: 'VP Operations', after: null },
    ]);
    expect(res.headers.get('etag')).toBe(`"${answer.version}"`);

    const { account } = await detail(org, id);
    expect(account).toMatchObject({ companyName: 'Initrode', arr: 52_000, closeDate: body.closeDate, primaryContactEmail: body.primaryContactEmail, primaryContactRole: null });
    const [event, ...more] = await editEvents(id);
    expect(more).toEqual([]);
    expect(event!.actor).toBe('api');
    expect(event!.message).toBe('Company name: Initrode Typo → Initrode; ARR: $48,000 → $52,000; Primary contact role: VP Operations → (none)');
    // The list's search finds the account by its new name.
    const found = await (await org.api('/api/accounts?q=initrode')).json() as { items: { id: string }[] };
    expect(found.items.map((i) => i.id)).toContain(id);

    // The same edit again changes nothing and records nothing (a retried request).
    const again = await patch(org, id, { arr: 52_000 });
    expect(again.status).toBe(200);
    expect((await again.json() as { changes: unknown[] }).changes).toEqual([]);
    expect(await editEvents(id)).toHaveLength(1);
  });

  it('names every bad field in one 400, refuses unknown fields and NUL, and changes nothing', async () => {
    const { id } = await newAccount(org, { arr: 48_000 });
    const before = await detail(org, id);
    const res = await patch(org, id, {
      companyName: '', arr: 'lots', closeDate: '2026-02-30', primaryContactEmail: 'peter-at-initech',
      companySize: 'huge', secondaryDomains: ['initech.io', 'gmail.com', 'not a domain'], status: 'active',
    });
    expect(res.status).toBe(400);
    const { error } = await res.json() as { error: { code: string; fields: { field: string; message: string }[] } };
    expect(error.code).toBe('validation');
    expect(Object.fromEntries(error.fields.map((f) => [f.field, f.message]))).toEqual({
      companyName: 'company name is required',
      arr: 'ARR must be a whole number of dollars',
      closeDate: 'close date is not a real calendar date',
      primaryContactEmail: 'primary contact email is not a valid email',
      companySize: 'company size must be one of 1-50, 51-500, 501-5000, 5000+, or null',
      'secondaryDomains.1': 'gmail.com is a public mail provider: it identifies no company',
      'secondaryDomains.2': 'domain "not a domain" is not a domain such as acme.com',
      status: 'unknown field(s): status',
    });

    const nul = await patch(org, id, { companyName: 'Initech\u0000Evil', notes: 'fine' });
    expect(nul.status).toBe(400);
    expect(JSON.stringify(await nul.json())).toContain('companyName');

    const empty = await patch(org, id, {});
    expect(empty.status).toBe(400);
    expect((await empty.json() as { error: { fields: { message: string }[] } }).error.fields[0]!.message).toBe('send at least one field to change');

    const notJson = await patch(org, id, 'arr=5');
    expect(notJson.status).toBe(400);

    // The record as it was (its run fills in milestones meanwhile: not what this is about).
    const record = ({ account: a }: { account: Detail }) => [a.companyName, a.arr, a.closeDate, a.primaryContactEmail, a.primaryContactRole, a.notes, a.domains];
    expect(record(await detail(org, id))).toEqual(record(before));
    expect((await detail(org, id)).etag).toBe(before.etag);
    expect(await editEvents(id)).toEqual([]);
  });

  it('refuses a domain another account holds with a 409 naming that account', async () => {
    const holder = await newAccount(org);
    const { id } = await newAccount(org);
    for (const body of [{ secondaryDomains: [holder.domain] }, { primaryDomain: `https://www.${holder.domain}/about` }]) {
      const res = await patch(org, id, body);
      expect(res.status).toBe(409);
      const { error } = await res.json() as { error: { code: string; message: string; existingAccountId: string } };
      expect(error).toMatchObject({ code: 'conflict', existingAccountId: holder.id });
      expect(error.message).toContain(holder.domain);
    }
    expect((await detail(org, id)).account.domains.map((d) => d.domain)).not.toContain(holder.domain);
  });

  it('adds a secondary domain that then dedupes new accounts, and releases a primary domain it replaces', async () => {
    const { id, domain } = await newAccount(org);
    const extra = `extra-${domain}`;
    const moved = `new-${domain}`;
    const res = await patch(org, id, { secondaryDomains: [`www.${extra.toUpperCase()}`] });
    expect(res.status).toBe(200);
    expect((await detail(org, id)).account.domains).toEqual([{ domain, isPrimary: true }, { domain: extra, isPrimary: false }]);

    // A new account of that company (its website on the secondary domain) is refused as a duplicate.
    const duplicate = await org.api('/api/accounts', { body: accountBody({ website: `https://${extra}`, primaryContactEmail: `jo@${extra}` }) });
    expect(duplicate.status).toBe(409);
    expect((await duplicate.json() as { error: { existingAccountId: string } }).error.existingAccountId).toBe(id);

    // A new primary domain: the old one is released (another account may take it); the secondary stays.
    const swapped = await patch(org, id, { primaryDomain: moved });
    expect(swapped.status).toBe(200);
    const { account } = await detail(org, id);
    expect(account.primaryDomain).toBe(moved);
    expect(account.domains).toEqual([{ domain: moved, isPrimary: true }, { domain: extra, isPrimary: false }]);
    const other = await org.api('/api/accounts', { body: accountBody({ website: `https://${domain}`, primaryContactEmail: `kim@${domain}` }) });
    expect(other.status).toBe(201);

    // Other domains need a primary one.
    const orphaned = await patch(org, id, { primaryDomain: null });
    expect(orphaned.status).toBe(400);
    expect((await orphaned.json() as { error: { fields: { field: string; message: string }[] } }).error.fields)
      .toEqual([{ field: 'primaryDomain', message: 'an account with other domains needs a primary domain' }]);
  });

  it('refuses with a 409 an edit made on a stale read (If-Match), including one of two at the same time', async () => {
    const { id } = await newAccount(org, { arr: 48_000 });
    const first = await detail(org, id);
    expect(first.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);

    const mine = await patch(org, id, { arr: 50_000 }, { 'if-match': first.etag });
    expect(mine.status).toBe(200);
    const stale = await patch(org, id, { companyName: 'Overwriter Inc' }, { 'if-match': first.etag });
    expect(stale.status).toBe(409);
    expect((await stale.json() as { error: { message: string } }).error.message).toContain('changed by someone else');
    expect((await detail(org, id)).account).toMatchObject({ arr: 50_000, companyName: first.account.companyName });

    // Two editors who read the same version save at once: one wins, the other hears 409.
    const current = await detail(org, id);
    const race = await Promise.all([
      patch(org, id, { arr: 61_000 }, { 'if-match': current.etag }),
      patch(org, id, { arr: 62_000 }, { 'if-match': current.etag }),
    ]);
    expect(race.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = race.find((r) => r.status === 200)!;
    expect((await detail(org, id)).account.arr).toBe((await winner.json() as Detail).arr);
    expect(await editEvents(id)).toHaveLength(2);

    // An If-Match that is no ETag of ours is named, not ignored.
    const bad = await patch(org, id, { arr: 1 }, { 'if-match': 'not an etag!' });
    expect(bad.status).toBe(400);
  });

  it('renames the account\'s run in Temporal (its RelayCompany search attribute); with Temporal out of reach a rename changes nothing', async () => {
    const { id } = await newAccount(org, { companyName: 'Old Name Co', arr: 48_000 });
    expect((await patch(org, id, { companyName: 'New Name Co' })).status).toBe(200);
    const run = h.deps.temporal.workflow.getHandle(accountWorkflowId(id));
    await eventually(async () => (await run.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.company) === 'New Name Co', { what: 'the run renamed' });

    // The workflow engine does not answer: the rename (and the rest of that edit) rolls back, a 503 to try again.
    const unreachable = { withDeadline: () => Promise.reject(new ServiceError('connection refused')) } as unknown as Client;
    const refused = await editAccount({ db: h.database.db, temporal: unreachable }, org.orgId, id, { companyName: 'Never Co', arr: 1 }, 'api')
      .then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(RelayError);
    expect((refused as RelayError).code).toBe('unavailable');
    expect((await detail(org, id)).account).toMatchObject({ companyName: 'New Name Co', arr: 48_000 });
    // An edit that does not rename needs no workflow engine.
    await editAccount({ db: h.database.db, temporal: unreachable }, org.orgId, id, { arr: 49_000 }, 'api');
    expect((await detail(org, id)).account.arr).toBe(49_000);
  });

  it('answers 404 for another organisation\'s account and leaves it alone', async () => {
    const { id } = await newAccount(org, { arr: 48_000 });
    const other = await h.newOrganisation();
    const res = await patch(other, id, { arr: 1 });
    expect(res.status).toBe(404);
    const [row] = await h.database.db.select({ arr: accounts.arr }).from(accounts).where(eq(accounts.id, id));
    expect(row!.arr).toBe(48_000);
  });
});

describe('the edit form (/accounts/:id/edit)', () => {
  // Sign-in is rate limited: one organisation and one session for the group, a fresh account per test.
  let org: TestOrganisation;
  let client: DashboardClient;
  beforeAll(async () => {
    org = await h.newOrganisation();
    client = await signIn(h, org.adminEmail);
  });

  function formOf(html: string): Record<string, string> {
    const form = /<form class="card" method="post"[\s\S]*?<\/form>/.exec(html)?.[0] ?? '';
    const values: Record<string, string> = {};
    for (const m of form.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) values[m[1]!] = m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
    for (const m of form.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) values[m[1]!] = m[2]!;
    const size = /<option value="([^"]*)" selected/.exec(form);
    values.companySize = size ? size[1]! : '';
    delete values._csrf;
    return values;
  }

  it('is linked from the account page, filled with what is saved, and saves a change with a flash and a readable timeline entry', async () => {
    const { id, body, domain } = await newAccount(org, { arr: 48_000, notes: 'Signed after a **long** pilot' });
    const page = await (await client.get(`/accounts/${id}`)).text();
    expect(page).toContain(`href="/accounts/${id}/edit"`);

    const edit = await client.get(`/accounts/${id}/edit`);
    expect(edit.status).toBe(200);
    const html = await edit.text();
    expect(html).toMatch(/name="_csrf"/);
    const values = formOf(html);
    expect(values).toMatchObject({
      companyName: body.companyName, arr: '48000', closeDate: body.closeDate, primaryContactEmail: body.primaryContactEmail,
      primaryDomain: domain, secondaryDomains: '', notes: 'Signed after a **long** pilot',
    });
    expect(values.version).toMatch(/^[A-Za-z0-9_-]+$/);

    // The textarea posts CRLF: an untouched note is not a change.
    const saved = await client.post(`/accounts/${id}/edit`, { ...values, arr: '$52,000', notes: values.notes!.replace(/\n/g, '\r\n'), secondaryDomains: `support-${domain}\r\n` });
    const after = await follow(client, saved);
    expect(after).toContain(`Saved. ARR: $48,000 → $52,000; Other domains: (none) → support-${domain}.`);
    const [entry] = timelineEntries(after, 'account_edited');
    expect(entry).toContain('ARR: $48,000 → $52,000');
    expect(entry).toContain(`Other domains: (none) → support-${domain}`);
    expect(entry).toContain('Account edited · by Ada Admin');
    const [event] = await editEvents(id);
    expect(event!.actor).toBe(org.adminEmail);
  });

  it('shows each refused field beside its input, keeps what was typed, saves nothing; refuses a post without the CSRF token', async () => {
    const { id } = await newAccount(org, { arr: 48_000 });
    const values = formOf(await (await client.get(`/accounts/${id}/edit`)).text());
    const res = await client.post(`/accounts/${id}/edit`, { ...values, companyName: '', arr: 'lots', closeDate: '2026-02-30', secondaryDomains: 'gmail.com' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Nothing was saved. Fix these 4 fields');
    expect(html).toMatch(/id="edit-arr" name="arr" type="text" value="lots"[^>]*aria-invalid="true"/);
    expect(html).toContain('<p class="field-error" id="edit-arr-error">ARR must be a whole number of dollars</p>');
    expect(html).toContain('<p class="field-error" id="edit-companyName-error">company name is required</p>');
    expect(html).toContain('<p class="field-error" id="edit-closeDate-error">close date is not a real calendar date</p>');
    expect(html).toContain('<p class="field-error" id="edit-secondaryDomains-error">gmail.com is a public mail provider: it identifies no company</p>');
    expect((await detail(org, id)).account.arr).toBe(48_000);

    const forged = await client.post(`/accounts/${id}/edit`, { ...values, arr: '1' }, { csrf: false });
    expect(forged.status).toBe(403);
    expect((await detail(org, id)).account.arr).toBe(48_000);
  });

  it('names the account holding a domain, and tells the second of two editors what the first saved', async () => {
    const holder = await newAccount(org, { companyName: 'Holder Co' });
    const { id } = await newAccount(org, { arr: 48_000 });
    const values = formOf(await (await client.get(`/accounts/${id}/edit`)).text());
    const taken = await client.post(`/accounts/${id}/edit`, { ...values, secondaryDomains: holder.domain });
    expect(taken.status).toBe(409);
    const takenHtml = await taken.text();
    expect(takenHtml).toContain(`<a href="/accounts/${holder.id}">Holder Co</a>`);
    expect(takenHtml).toContain(`${holder.domain} already identifies Holder Co`);

    // Two people opened the form; the first saves ARR, the second (still showing the old ARR) saves a name.
    const second = formOf(await (await client.get(`/accounts/${id}/edit`)).text());
    await follow(client, await client.post(`/accounts/${id}/edit`, { ...values, arr: '60000' }));
    const stale = await client.post(`/accounts/${id}/edit`, { ...second, companyName: 'Renamed Co' });
    expect(stale.status).toBe(409);
    const staleHtml = await stale.text();
    expect(staleHtml).toContain('Someone else saved changes to this account after you opened this form');
    expect(staleHtml).toMatch(/data-saved-now="arr"[^>]*>Saved now: 60000</);
    expect((await detail(org, id)).account).toMatchObject({ arr: 60_000 });
    expect((await detail(org, id)).account.companyName).not.toBe('Renamed Co');
    // Saving again, having seen it, applies this version deliberately.
    const again = formOf(staleHtml);
    await follow(client, await client.post(`/accounts/${id}/edit`, { ...again, arr: '60000' }));
    expect((await detail(org, id)).account).toMatchObject({ arr: 60_000, companyName: 'Renamed Co' });
  });

  it('answers 404 for another organisation\'s account, to read and to save', async () => {
    const other = await h.newOrganisation();
    const { id } = await newAccount(other, { arr: 48_000 });
    expect((await client.get(`/accounts/${id}/edit`)).status).toBe(404);
    const res = await client.post(`/accounts/${id}/edit`, { companyName: 'Stolen', arr: '1', version: 'x' });
    expect(res.status).toBe(404);
    const [row] = await h.database.db.select({ arr: accounts.arr, companyName: accounts.companyName }).from(accounts).where(eq(accounts.id, id));
    expect(row!.arr).toBe(48_000);
  });
});
