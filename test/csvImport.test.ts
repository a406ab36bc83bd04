import { randomUUID } from 'node:crypto';
import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../db/client.ts';
import * as schema from '../db/schema/index.ts';
import { accountDomains, accounts, events, importRows, templates } from '../db/schema/index.ts';
import { findUnstartedAccounts } from '../services/accountRuns.ts';
import { confirmImport } from '../services/imports/confirmImport.ts';
import { importAccountsBatch } from '../services/imports/importBatch.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';
import { bulkImportWorkflowId } from '../workflows/bulkImportDefinitions.ts';
import { signIn } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, type Harness, type RunningWorker, type TestOrganisation } from './harness.ts';

let h: Harness;
let worker: RunningWorker;
beforeAll(async () => {
  // The worker is ours so one test can stop it and watch an import wait.
  h = await createHarness({ startWorker: false });
  worker = await h.startWorker();
});
afterAll(async () => { await h?.close(); });

const HEADER = 'company_name,arr,close_date,primary_contact_name,primary_contact_email,ae_email,template_name,website';

/** A row with a company domain unique to this test run. */
function row(name: string, opts: { domain?: string; email?: string; website?: string; template?: string; arr?: string } = {}): string {
  const domain = opts.domain ?? `${name.toLowerCase().replace(/\W+/g, '-')}-${randomUUID().slice(0, 8)}.example`;
  const email = opts.email ?? `owner@${domain}`;
  return [name, opts.arr ?? '100000', '2026-11-01', `${name} Owner`, email, 'ae@relay.test', opts.template ?? 'Quick Start', opts.website ?? ''].join(',');
}

const csv = (...rows: string[]) => `${HEADER}\n${rows.join('\n')}\n`;

interface Preview {
  id: string; total: number; valid: number; toCreate: number;
  errors: { row: number; column: string; message: string }[];
  duplicates: { row: number; domain: string; existingAccountId?: string; duplicateOfRow?: number }[];
  alreadyImported: { importId: string; message: string } | null;
}
interface ImportStatus { id: string; status: string; total: number; created: number; skipped: number; failed: number }

function request(org: TestOrganisation, path: string, init: { method?: string; body?: BodyInit; type?: string } = {}) {
  return Promise.resolve(h.app.request(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${org.apiKey}`, ...(init.type ? { 'content-type': init.type } : {}) },
    ...(init.body === undefined ? {} : { body: init.body }),
  }));
}

async function upload(org: TestOrganisation, text: string): Promise<Preview> {
  const res = await request(org, '/api/imports?filename=accounts.csv', { body: text, type: 'text/csv' });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json() as Promise<Preview>;
}

async function confirmAndWait(org: TestOrganisation, importId: string): Promise<ImportStatus> {
  const confirmed = await request(org, `/api/imports/${importId}/confirm`, { method: 'POST' });
  expect(confirmed.status).toBe(202);
  return eventually(async () => {
    const status = await (await request(org, `/api/imports/${importId}`)).json() as ImportStatus;
    return status.status === 'completed' || status.status === 'failed' ? status : undefined;
  }, { what: `import ${importId} to finish`, timeoutMs: 60_000 });
}

async function accountCount(org: TestOrganisation): Promise<number> {
  const [row] = await h.database.db.select({ n: count() }).from(accounts).where(eq(accounts.orgId, org.orgId));
  return row?.n ?? 0;
}

async function rowsOf(org: TestOrganisation, importId: string) {
  return h.database.db.select().from(importRows)
    .where(and(eq(importRows.orgId, org.orgId), eq(importRows.importId, importId))).orderBy(asc(importRows.rowNumber));
}

describe('bulk CSV import through the API', () => {
  it('previews, creates the valid rows as pending_handoff accounts with their workflows, and reports the rest', async () => {
    const org = await h.newOrganisation();
    const existing = await org.api('/api/accounts', { body: accountBody() });
    expect(existing.status).toBe(201);
    const existingAccount = await existing.json() as { id: string };
    const existingDomain = (await h.database.db.select().from(accountDomains).where(eq(accountDomains.accountId, existingAccount.id)))[0]!.domain;

    const text = csv(
      row('Alpha', { domain: 'alpha-import.example' }),          // 2
      row('Bravo'),                                               // 3
      row('Charlie', { template: 'Enterprise Implementation' }),  // 4
      row('Gmail Person', { email: 'solo.founder@gmail.com' }),   // 5: no company domain at all
      row('Alpha Again', { domain: 'alpha-import.example' }),     // 6: duplicate of row 2
      row('Already Here', { domain: existingDomain }),            // 7: duplicate of an existing account
      row('Broken', { arr: '-5', template: 'Nope' }),             // 8: invalid
    );
    const preview = await upload(org, text);
    expect(preview).toMatchObject({ total: 7, valid: 6, toCreate: 4, alreadyImported: null });
    expect(preview.errors).toEqual([
      { row: 8, column: 'arr', message: 'ARR must be greater than 0' },
      { row: 8, column: 'template_name', message: expect.stringContaining('no template named "Nope"') },
    ]);
    expect(preview.duplicates).toEqual([
      { row: 6, domain: 'alpha-import.example', duplicateOfRow: 2 },
      { row: 7, domain: existingDomain, existingAccountId: existingAccount.id },
    ]);
    expect(await accountCount(org)).toBe(1); // a preview creates nothing

    const done = await confirmAndWait(org, preview.id);
    expect(done).toMatchObject({ status: 'completed', total: 7, created: 4, skipped: 2, failed: 1 });
    expect(await accountCount(org)).toBe(5);

    const rows = await rowsOf(org, preview.id);
    expect(rows.map((r) => [r.rowNumber, r.outcome])).toEqual([
      [2, 'created'], [3, 'created'], [4, 'created'], [5, 'created'], [6, 'skipped'], [7, 'skipped'], [8, 'failed'],
    ]);
    expect(rows[5]!.accountId).toBe(existingAccount.id);
    const createdIds = rows.filter((r) => r.outcome === 'created').map((r) => r.accountId!);
    const created = await h.database.db.select().from(accounts).where(inArray(accounts.id, createdIds));
    expect(created.map((a) => a.status)).toEqual(['pending_handoff', 'pending_handoff', 'pending_handoff', 'pending_handoff']);
    for (const account of created) {
      const description = await h.deps.temporal.workflow.getHandle(account.workflowId).describe();
      expect(description.type).toBe('accountLifecycle');
      expect(account.workflowId).toBe(`account-${account.id}`);
    }
    // The same path as the API: the template snapshot lands and the AE gets the handoff email.
    const charlie = created.find((a) => a.companyName === 'Charlie')!;
    const detail = await eventually(async () => {
      const res = await (await org.api(`/api/accounts/${charlie.id}`)).json() as { template: { name: string }; handoff: { state: string } };
      return res.handoff.state === 'awaiting_ae' ? res : undefined;
    }, { what: 'the imported account to reach the AE' });
    expect(detail.template.name).toBe('Enterprise Implementation');

    // Uploading the very same file again creates nothing, and says so before anything is confirmed.
    const again = await upload(org, text);
    expect(again.id).not.toBe(preview.id);
    expect(again.toCreate).toBe(0);
    expect(again.alreadyImported).toMatchObject({ importId: preview.id, message: expect.stringMatching(/already imported on \d{4}-\d{2}-\d{2}, nothing new to create/) });
    const rerun = await confirmAndWait(org, again.id);
    expect(rerun).toMatchObject({ status: 'completed', created: 0, skipped: 6, failed: 1 });
    expect(await accountCount(org)).toBe(5);

    // Confirming a finished import again changes nothing either.
    const reconfirm = await request(org, `/api/imports/${preview.id}/confirm`, { method: 'POST' });
    expect(reconfirm.status).toBe(202);
    expect(await reconfirm.json()).toMatchObject({ status: 'completed', created: 4 });
  });

  it('keeps imports private to their organisation', async () => {
    const owner = await h.newOrganisation();
    const stranger = await h.newOrganisation();
    const preview = await upload(owner, csv(row('Private Co')));
    for (const [method, path] of [['GET', `/api/imports/${preview.id}`], ['POST', `/api/imports/${preview.id}/confirm`]] as const) {
      const res = await request(stranger, path, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    expect((await (await request(owner, `/api/imports/${preview.id}`)).json() as ImportStatus).status).toBe('previewed');
  });

  it('lets one account win when the API and an import create the same company at once', async () => {
    const org = await h.newOrganisation();
    const domain = `race-${randomUUID().slice(0, 8)}.example`;
    const [first, second] = await Promise.all([
      org.api('/api/accounts', { body: accountBody({ website: `https://${domain}`, primaryContactEmail: `a@${domain}` }) }),
      org.api('/api/accounts', { body: accountBody({ website: `https://${domain}`, primaryContactEmail: `b@${domain}` }) }),
    ]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);

    const other = `race2-${randomUUID().slice(0, 8)}.example`;
    const preview = await upload(org, csv(row('Racer', { domain: other })));
    const [api, imported] = await Promise.all([
      org.api('/api/accounts', { body: accountBody({ website: `https://${other}`, primaryContactEmail: `api@${other}` }) }),
      confirmAndWait(org, preview.id),
    ]);
    const holders = await h.database.db.select().from(accountDomains).where(and(eq(accountDomains.orgId, org.orgId), eq(accountDomains.domain, other)));
    expect(holders).toHaveLength(1);
    expect(api.status === 201 ? imported.skipped : imported.created).toBe(1);
  });

  it('never creates a row twice when a batch runs again or twice at once', async () => {
    const org = await h.newOrganisation();
    const preview = await upload(org, csv(row('Retry One'), row('Retry Two', { email: 'retry.two@gmail.com' }), row('Retry Three')));
    const deps = { db: h.database.db, temporal: h.deps.temporal, taskQueue: h.taskQueue };
    await Promise.all([
      importAccountsBatch(deps, org.orgId, preview.id, 0, 100),
      importAccountsBatch(deps, org.orgId, preview.id, 0, 100),
    ]);
    const again = await importAccountsBatch(deps, org.orgId, preview.id, 0, 100);
    expect(again?.counts).toMatchObject({ created: 3, skipped: 0, failed: 0 });
    expect(await accountCount(org)).toBe(3);
  });

  it('works through a large import in batches across continue-as-new', async () => {
    const org = await h.newOrganisation();
    const preview = await upload(org, csv(...Array.from({ length: 7 }, (_, i) => row(`Batch ${i}`))));
    await confirmImport({ db: h.database.db, temporal: h.deps.temporal, taskQueue: h.taskQueue, importBatchSize: 2, importBatchesPerRun: 1 }, org.orgId, preview.id);
    const handle = h.deps.temporal.workflow.getHandle(bulkImportWorkflowId(org.orgId, preview.id));
    await handle.result();
    const description = await handle.describe();
    expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
    const status = await (await request(org, `/api/imports/${preview.id}`)).json() as ImportStatus;
    expect(status).toMatchObject({ status: 'completed', created: 7, skipped: 0, failed: 0 });
  });

  it('exports accounts as CSV with formula cells neutralised', async () => {
    const org = await h.newOrganisation();
    const stranger = await h.newOrganisation();
    await stranger.api('/api/accounts', { body: accountBody({ companyName: 'Stranger Things Ltd' }) });
    expect((await org.api('/api/accounts', { body: accountBody({ companyName: '=HYPERLINK("x")' }) })).status).toBe(201);
    expect((await org.api('/api/accounts', { body: accountBody({ companyName: 'Commas, Inc', notes: 'two\nlines' }) })).status).toBe(201);
    const res = await request(org, '/api/exports/accounts.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="relay-accounts-\d{4}-\d{2}-\d{2}\.csv"/);
    const text = await res.text();
    expect(text).toContain(`"'=HYPERLINK(""x"")",120000,`);
    expect(text).toContain('"Commas, Inc"');
    expect(text).toContain('"two\nlines"');
    expect(text).not.toContain('Stranger Things');
    expect(text.trim().split('\r\n')).toHaveLength(3);

    // An export reads back as an import: same columns, apostrophes dropped, every row a known domain.
    const reimport = await upload(org, text);
    expect(reimport).toMatchObject({ total: 2, valid: 2, toCreate: 0, errors: [] });
    expect(reimport.duplicates.map((d) => d.existingAccountId)).toHaveLength(2);
  });
});

describe('the import\'s bulk path (issue 13)', () => {
  /** A queue no worker polls: the runs a test starts there wait, and cost the test's worker nothing. */
  const idleQueue = () => `import-bulk-idle-${randomUUID()}`;

  it('gives each row the outcome the one-by-one path gave: duplicates in the file and of accounts made since the preview, rows refused now', async () => {
    const org = await h.newOrganisation();
    const slug = randomUUID().slice(0, 8);
    const d = (name: string) => `${name}-${slug}.example`;
    const text = csv(
      row('Alpha', { domain: d('alpha') }),                                                 // 2: created
      row('Bravo', { domain: d('bravo') }),                                                 // 3: its domain taken after the preview
      row('Gmail Person', { email: 'solo.person@gmail.com' }),                              // 4: created, no domain at all
      row('Two Holders', { website: `https://${d('x')}`, email: `owner@${d('y')}` }),       // 5: its two domains taken by two accounts
      row('Charlie', { domain: d('charlie'), template: 'Enterprise Implementation' }),      // 6: its template renamed after the preview
      row('Alpha Again', { domain: d('alpha') }),                                           // 7: the same company as row 2
      row('Broken', { arr: '-5' }),                                                         // 8: invalid
    );
    const preview = await upload(org, text);
    expect(preview).toMatchObject({ total: 7, valid: 6, toCreate: 5 });

    // Between the preview and the confirm: accounts appear, a template is renamed. And row 7, which the
    // preview flagged, goes back to pending, so the batch's own check of the file meets it.
    const made = async (domain: string, email = `api@${domain}`) => {
      const res = await org.api('/api/accounts', { body: accountBody({ website: `https://${domain}`, primaryContactEmail: email }) });
      expect(res.status).toBe(201);
      return (await res.json() as { id: string }).id;
    };
    const bravo = await made(d('bravo'));
    const holderX = await made(d('x'), 'someone@gmail.com');
    const holderY = await made(d('y'));
    await h.database.db.update(templates).set({ name: `Enterprise Implementation ${slug}` })
      .where(and(eq(templates.orgId, org.orgId), eq(templates.name, 'Enterprise Implementation')));
    await h.database.db.update(importRows).set({ outcome: 'pending', message: null, duplicate: null })
      .where(and(eq(importRows.importId, preview.id), eq(importRows.rowNumber, 7)));

    const done = await confirmAndWait(org, preview.id);
    expect(done).toMatchObject({ status: 'completed', total: 7, created: 2, skipped: 3, failed: 2 });
    const rows = await rowsOf(org, preview.id);
    const alpha = rows[0]!.accountId;
    expect(rows.map((r) => [r.rowNumber, r.outcome, r.message])).toEqual([
      [2, 'created', null],
      [3, 'skipped', 'an account with this domain already exists'],
      [4, 'created', null],
      [5, 'skipped', expect.stringMatching(/^this company matches more than one existing account; a person must decide \(candidates: [\w-]+, [\w-]+\)$/)],
      [6, 'failed', 'templateName: no such template in this organisation'],
      [7, 'skipped', 'an account with this domain already exists'],
      [8, 'failed', 'arr: ARR must be greater than 0'],
    ]);
    expect(rows.map((r) => r.accountId)).toEqual([alpha, bravo, rows[2]!.accountId, null, null, alpha, null]);
    expect(rows[3]!.message).toContain(holderX);
    expect(rows[3]!.message).toContain(holderY);
    expect(await accountCount(org)).toBe(5);
    for (const accountId of [alpha!, rows[2]!.accountId!]) {
      const description = await h.deps.temporal.workflow.getHandle(`account-${accountId}`).describe();
      expect(description.type).toBe('accountLifecycle');
    }
  });

  it('creates a batch with a fixed handful of statements, not ten per row, and starts every run as the API would', async () => {
    const org = await h.newOrganisation();
    const rowsInFile = 200;
    const preview = await upload(org, csv(...Array.from({ length: rowsInFile }, (_, i) => row(`Bulk ${i}`))));
    // The same database through a client that counts what it is sent.
    const client = postgres(inject('databaseUrl'), { max: 8, onnotice: () => {} });
    let statements = 0;
    const counted = drizzle(client, { schema, logger: { logQuery: () => { statements += 1; } } }) as unknown as Database;
    const taskQueue = idleQueue();
    try {
      const result = await importAccountsBatch({ db: counted, temporal: h.deps.temporal, taskQueue }, org.orgId, preview.id, 0, 500);
      expect(result?.counts).toMatchObject({ created: rowsInFile, skipped: 0, failed: 0 });
    } finally {
      await client.end();
    }
    // One by one, each row took about 10 (lock, dedupe, template, settings, two inserts, outcome, event
    // matching…): 2,004 for these 200. In bulk a batch takes a fixed number, whatever its size (14 here).
    expect(statements).toBeLessThan(30);
    expect(await accountCount(org)).toBe(rowsInFile);
    const created = await h.database.db.select().from(accounts).where(eq(accounts.orgId, org.orgId)).orderBy(asc(accounts.companyName));
    for (const account of [created[0]!, created.at(-1)!]) {
      const description = await h.deps.temporal.workflow.getHandle(account.workflowId).describe();
      expect(description).toMatchObject({ type: 'accountLifecycle', taskQueue, status: { name: 'RUNNING' } });
      expect(account.workflowId).toBe(`account-${account.id}`);
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status)).toBe('pending_handoff');
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.company)).toBe(account.companyName);
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.orgId)).toBe(org.orgId);
    }
  });

  it('gives imported accounts the events that arrived before them, as a new account of the API gets them', async () => {
    const org = await h.newOrganisation();
    const slug = randomUUID().slice(0, 8);
    const [early, late] = [`early-${slug}.example`, `late-${slug}.example`];
    const at = new Date(Date.now() - 86_400_000).toISOString();
    const sent = await org.api('/api/events', { body: { events: [
      { type: 'login', domain: early, occurredAt: at },
      { type: 'login', email: `ann@${late}`, occurredAt: at },
      { type: 'login', domain: `nobody-${slug}.example`, occurredAt: at },
    ] } });
    expect(await sent.json()).toMatchObject({ stored: 3, matched: 0, unmatched: 3 });
    const preview = await upload(org, csv(row('Early Co', { domain: early }), row('Late Co', { domain: late }), row('Quiet Co')));
    const result = await importAccountsBatch({ db: h.database.db, temporal: h.deps.temporal, taskQueue: idleQueue() }, org.orgId, preview.id, 0, 100);
    expect(result?.counts).toMatchObject({ created: 3 });
    const rows = await rowsOf(org, preview.id);
    const stored = await h.database.db.select({ domain: events.groupDomain, email: events.emailDomain, accountId: events.accountId }).from(events)
      .where(eq(events.orgId, org.orgId));
    expect(stored).toEqual(expect.arrayContaining([
      { domain: early, email: null, accountId: rows[0]!.accountId },
      { domain: null, email: late, accountId: rows[1]!.accountId },
      { domain: `nobody-${slug}.example`, email: null, accountId: null },
    ]));
    const unmatched = await (await org.api('/api/events/unmatched')).json() as { items: { domain: string | null }[] };
    expect(unmatched.items.map((i) => i.domain)).toEqual([`nobody-${slug}.example`]);
  });

  it('keeps a batch\'s accounts when Temporal cannot start their runs, for the retry (which starts each once) or the reconciler', async () => {
    const org = await h.newOrganisation();
    const preview = await upload(org, csv(row('Outage One'), row('Outage Two', { email: 'outage.two@gmail.com' }), row('Outage Three')));
    const unreachable = {
      withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
      workflow: { start: () => Promise.reject(new ServiceError('Failed to start Workflow: 14 UNAVAILABLE (test)')) },
    } as unknown as Client;
    const taskQueue = idleQueue();
    await expect(importAccountsBatch({ db: h.database.db, temporal: unreachable, taskQueue }, org.orgId, preview.id, 0, 100))
      .rejects.toThrow(/could not start 3 of the batch's 3 account runs/);

    // Stored, each row says so, and no run: the accounts are the reconciler's once past its grace period.
    expect(await accountCount(org)).toBe(3);
    expect((await rowsOf(org, preview.id)).map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    const later = new Date(Date.now() + 5 * 60_000);
    const unstarted = await findUnstartedAccounts({ db: h.database.db }, { limit: 10, orgId: org.orgId, now: later });
    const ids = (await h.database.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.orgId, org.orgId))).map((a) => a.id);
    expect(unstarted.map((a) => a.accountId).sort()).toEqual([...ids].sort());
    for (const id of ids) await expect(h.deps.temporal.workflow.getHandle(`account-${id}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    // The activity's retry creates nothing again and starts every run; a third run changes nothing.
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await importAccountsBatch({ db: h.database.db, temporal: h.deps.temporal, taskQueue }, org.orgId, preview.id, 0, 100);
      expect(result?.counts).toMatchObject({ created: 3, skipped: 0, failed: 0 });
    }
    expect(await accountCount(org)).toBe(3);
    for (const id of ids) {
      const description = await h.deps.temporal.workflow.getHandle(`account-${id}`).describe();
      expect(description).toMatchObject({ type: 'accountLifecycle', taskQueue, status: { name: 'RUNNING' } });
    }
  });
});

describe('bulk CSV import in the dashboard', () => {
  it('counts errors in cells and rows alike, lists the columns in the file\'s order, and shows ARR as money (issue 14)', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const slug = randomUUID().slice(0, 8);
    const text = [
      'website,template_name,primary_contact_email,primary_contact_name,close_date,arr,company_name',
      `https://good-${slug}.example,Quick Start,owner@good-${slug}.example,Good Owner,2026-11-01,"$48,000",Good Co`,
      `https://bad-${slug}.example,Quick Start,owner@bad-${slug}.example,Bad Owner,soon,lots,Bad Co`,
    ].join('\n');
    const uploaded = await client.postMultipart('/imports', { file: new File([text], 'ordered.csv', { type: 'text/csv' }) });
    expect(uploaded.status).toBe(303);
    const html = await (await client.get(uploaded.headers.get('location')!)).text();
    expect(html).toContain('<dt>Rows with errors</dt><dd>1</dd>');
    expect(html).toContain('Errors: 2 problems in 1 row');
    expect(html).not.toContain('Errors (2)');
    expect(html).toContain('Columns read: website → website, template_name → templateName, primary_contact_email → primaryContactEmail, '
      + 'primary_contact_name → primaryContactName, close_date → closeDate, arr → arr, company_name → companyName.');
    expect(html).toContain('<td>Good Co</td><td>$48,000</td>');
    expect(html).toContain('<td>Bad Co</td><td>lots</td>');
  });

  it('uploads a file, shows the preview, confirms, and shows progress that refreshes itself while it runs', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const list = await client.get('/imports');
    expect(list.status).toBe(200);
    const listHtml = await list.text();
    expect(listHtml).toContain('enctype="multipart/form-data"');
    expect(listHtml).toContain('href="/imports/template.csv"');

    const file = new File([csv(row('Dash One'), row('Dash Two'), row('Dash Bad', { arr: 'lots' }))], 'dashboard.csv', { type: 'text/csv' });
    expect((await client.postMultipart('/imports', { file }, { csrf: false })).status).toBe(403);
    const uploaded = await client.postMultipart('/imports', { file });
    expect(uploaded.status).toBe(303);
    const importPath = uploaded.headers.get('location')!;
    expect(importPath).toMatch(/^\/imports\/[0-9a-f-]{36}$/);

    const previewHtml = await (await client.get(importPath)).text();
    expect(previewHtml).toContain('Preview: dashboard.csv');
    expect(previewHtml).toContain('Create 2 accounts');
    expect(previewHtml).toMatch(/<td>4<\/td><td>arr<\/td><td>ARR must be a whole number of dollars<\/td>/);
    expect(previewHtml).toContain('Dash One');

    // With no worker the import waits in "running": the page refreshes itself without any script.
    await worker.stop();
    expect((await client.post(`${importPath}/confirm`)).status).toBe(303);
    const waiting = await client.get(importPath);
    expect(waiting.headers.get('refresh')).toBe('2');
    expect(await waiting.text()).toContain('<meta http-equiv="refresh" content="2"/>');
    worker = await h.startWorker();

    const finished = await eventually(async () => {
      const html = await (await client.get(importPath)).text();
      return html.includes('<span class="status status-completed">completed</span>') ? html : undefined;
    }, { what: 'the import page to show completed' });
    expect(finished).not.toContain('http-equiv="refresh"');
    expect(finished).toContain('100%');
    expect(finished).toMatch(/<dt>Created<\/dt><dd>2<\/dd>/);
    expect(await accountCount(org)).toBe(2);

    const history = await (await client.get('/imports')).text();
    expect(history).toContain('dashboard.csv');

    const exported = await client.get('/imports/export/accounts.csv');
    expect(exported.status).toBe(200);
    expect(await exported.text()).toContain('Dash One');
  });

  it('re-renders the upload page with the reason for a bad file, and hides other organisations\' imports', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const bad = await client.postMultipart('/imports', { file: new File([new Uint8Array([0x43, 0x61, 0x66, 0xe9])], 'latin1.csv') });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('not UTF-8');
    const empty = await client.postMultipart('/imports', { file: new File([''], 'empty.csv') });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('The file is empty');

    const stranger = await h.newOrganisation();
    const theirs = await upload(stranger, csv(row('Theirs')));
    expect((await client.get(`/imports/${theirs.id}`)).status).toBe(404);
    expect((await client.post(`/imports/${theirs.id}/confirm`)).status).toBe(404);
  });
});
