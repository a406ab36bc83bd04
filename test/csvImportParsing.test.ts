import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, importRows } from '../db/schema/index.ts';
import { csvLine, escapeFormula } from '../services/imports/csvCells.ts';
import { matchHeaders } from '../services/imports/importColumns.ts';
import { signIn } from './dashboardClient.ts';
import { createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

// Upload checks; the one confirm (control characters) starts a worker for itself.
let h: Harness;
let org: TestOrganisation;
beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  org = await h.newOrganisation();
});
afterAll(async () => { await h?.close(); });

const HEADER = 'company_name,arr,close_date,primary_contact_name,primary_contact_email,ae_email,template_name';
const fixture = (name: string) => readFileSync(new URL(`./fixtures/csv/${name}`, import.meta.url));

interface Preview {
  id: string; total: number; valid: number; toCreate: number;
  errors: { row: number; column: string; message: string }[];
  duplicates: { row: number; domain: string }[];
  columns: Record<string, string>; ignoredColumns: string[];
}
interface ErrorBody { error: { code: string; message: string } }

function upload(body: BodyInit, headers: Record<string, string> = { 'content-type': 'text/csv' }) {
  return Promise.resolve(h.app.request('/api/imports?filename=test.csv', {
    method: 'POST', headers: { authorization: `Bearer ${org.apiKey}`, ...headers }, body,
  }));
}

async function previewOf(body: BodyInit): Promise<Preview> {
  const res = await upload(body);
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json() as Promise<Preview>;
}

async function refusal(body: BodyInit, status: number, headers?: Record<string, string>): Promise<string> {
  const res = await upload(body, headers);
  expect(res.status).toBe(status);
  return ((await res.json()) as ErrorBody).error.message;
}

async function storedInputs(importId: string) {
  const rows = await h.database.db.select().from(importRows).where(and(eq(importRows.orgId, org.orgId), eq(importRows.importId, importId))).orderBy(asc(importRows.rowNumber));
  return rows.map((r) => ({ row: r.rowNumber, ...r.input }) as { row: number } & Record<string, unknown>);
}

describe('reading an uploaded CSV', () => {
  it('reads a UTF-8 file with a BOM and CRLF line ends, and a quoted ARR with a thousands comma', async () => {
    const preview = await previewOf(fixture('bom-crlf.csv'));
    expect(preview).toMatchObject({ total: 2, valid: 2, toCreate: 2, errors: [] });
    const rows = await storedInputs(preview.id);
    expect(rows.map((r) => [r.row, r.companyName, r.arr])).toEqual([[2, 'Bom Widgets', 120000], [3, 'Crlf Systems', 250000]]);
  });

  it('matches headers by alias whatever their case and spacing, and says which columns it ignored', async () => {
    const preview = await previewOf(fixture('header-aliases.csv'));
    expect(preview).toMatchObject({ total: 1, valid: 1, errors: [], ignoredColumns: ['Favourite Colour'] });
    expect(preview.columns).toMatchObject({ companyName: 'Company', arr: 'Revenue', primaryContactEmail: 'EMAIL', aeEmail: 'AE', rawPayload: 'CRM Notes' });
    const [row] = await storedInputs(preview.id);
    expect(row).toMatchObject({ companyName: 'Alias Corp', arr: 90000, templateName: 'Standard SaaS Onboarding', website: 'https://alias-corp.example', rawPayload: 'Wants SSO by Q1' });
  });

  it('reports rows with too few or too many cells by row number, and keeps the good rows', async () => {
    const preview = await previewOf(fixture('ragged-rows.csv'));
    expect(preview).toMatchObject({ total: 3, valid: 1 });
    expect(preview.errors).toEqual([
      { row: 3, column: '(row)', message: expect.stringContaining('has 4 cells but the header has 7') },
      { row: 4, column: '(row)', message: expect.stringContaining('has 9 cells but the header has 7') },
    ]);
  });

  it('keeps cells that look like spreadsheet formulas as plain text (and drops an export\'s protective apostrophe)', async () => {
    const preview = await previewOf(fixture('formulas.csv'));
    expect(preview).toMatchObject({ total: 4, valid: 4 });
    const names = (await storedInputs(preview.id)).map((r) => r.companyName);
    expect(names).toEqual(['=HYPERLINK("http://evil.example","click")', '+Plus Corp', '@At Corp', '-Minus Corp']);
  });

  it('numbers rows as a spreadsheet does when a quoted cell holds a newline', async () => {
    const preview = await previewOf(fixture('quoted-newlines.csv'));
    expect(preview).toMatchObject({ total: 2, valid: 2, errors: [] });
    const rows = await storedInputs(preview.id);
    expect(rows.map((r) => [r.row, r.companyName])).toEqual([[2, 'Quotes, Commas & Co'], [3, 'After Newline Ltd']]);
    expect(rows[0]).toMatchObject({ primaryContactName: 'Quinn "Q" Quote', notes: 'line one\nline two, with a comma' });
  });

  it('names the column and the problem for each invalid value, using the API\'s own rules', async () => {
    const preview = await previewOf(fixture('invalid-values.csv'));
    expect(preview).toMatchObject({ total: 2, valid: 0, toCreate: 0 });
    expect(preview.errors.filter((e) => e.row === 2)).toEqual([{ row: 2, column: 'company_name', message: 'is empty; it is required' }]);
    expect(preview.errors.filter((e) => e.row === 3)).toEqual([
      { row: 3, column: 'arr', message: 'ARR must be a whole number of dollars' },
      { row: 3, column: 'close_date', message: 'close date is not a real calendar date' },
      { row: 3, column: 'primary_contact_email', message: 'primary contact email is not a valid email' },
      { row: 3, column: 'template_name', message: expect.stringMatching(/^no template named "Gold Plan" in this organisation \(templates: .*Quick Start/) },
    ]);
  });

  it('refuses files that cannot be imported with a 400 that says why', async () => {
    expect(await refusal(fixture('empty.csv'), 400)).toMatch(/file is empty/);
    expect(await refusal(fixture('header-only.csv'), 400)).toMatch(/header row but no accounts/);
    expect(await refusal(fixture('latin1.csv'), 400)).toMatch(/not UTF-8.*CSV UTF-8/);
    expect(await refusal(fixture('unclosed-quote.csv'), 400)).toMatch(/never closed/);
    expect(await refusal(fixture('missing-column.csv'), 400)).toMatch(/missing required column: arr/);
    expect(await refusal(`${HEADER},Company\nA,1,2026-01-01,B,b@a.example,,Quick Start,Again\n`, 400)).toMatch(/"company_name" and "Company" both mean company_name/);
  });

  it('refuses a 2 MB cell as a row that is too long, not a crash', async () => {
    const huge = `${HEADER},notes\nHuge Notes,100000,2026-11-01,Hugh,hugh@huge.example,,Quick Start,"${'x'.repeat(2 * 1024 * 1024)}"\n`;
    expect(await refusal(huge, 400)).toMatch(/Row 2 is longer than 200,000 characters/);
  });

  it('refuses more than 5 MB or more than 10,000 rows with a 413', async () => {
    expect(await refusal(new Uint8Array(6 * 1024 * 1024).fill(65), 413)).toMatch(/5 MB limit/);
    expect(await refusal(new Uint8Array(5 * 1024 * 1024 + 1).fill(65), 413)).toMatch(/limit is 5 MB/);
    const line = 'Row Corp,100000,2026-11-01,Rae Row,rae@row.example,,Quick Start\n';
    expect(await refusal(`${HEADER}\n${line.repeat(10_001)}`, 413)).toMatch(/more than 10,000 accounts/);
  });

  it('takes the file as a multipart field too, and explains a wrong body', async () => {
    const form = new FormData();
    form.set('file', new File([fixture('bom-crlf.csv')], 'accounts.csv', { type: 'text/csv' }));
    const res = await upload(form, {});
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ total: 2, valid: 2 });

    const noFile = new FormData();
    noFile.set('other', 'x');
    expect(await refusal(noFile, 400, {})).toMatch(/field "file"/);
    expect(await refusal('{"a":1}', 400, { 'content-type': 'application/json' })).toMatch(/text\/csv/);
    const anonymous = await h.app.request('/api/imports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: fixture('bom-crlf.csv') });
    expect(anonymous.status).toBe(401);
  });

  it('serves a template CSV that imports cleanly', async () => {
    const res = await h.app.request('/api/imports/template.csv', { headers: { authorization: `Bearer ${org.apiKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM Excel needs to read UTF-8
    const text = new TextDecoder().decode(bytes);
    expect(text.split('\r\n')[0]).toBe('company_name,arr,close_date,primary_contact_name,primary_contact_email,ae_email,template_name,primary_contact_role,industry,company_size,website,notes,raw_payload');
    expect(await previewOf(text)).toMatchObject({ total: 1, valid: 1, errors: [] });
  });
});

describe('control characters in a CSV', () => {
  // One file, one row per case: a bad cell fails its own row (naming the column), never the file.
  const tag = randomUUID().slice(0, 8);
  const line = (name: string, cells: { arr?: string; email?: string; template?: string; notes?: string } = {}) => {
    const domain = `${name.toLowerCase().replace(/[^a-z]+/g, '-')}-${tag}.example`;
    const quote = (cell: string) => `"${cell.replace(/"/g, '""')}"`;
    return [name, cells.arr ?? '100000', '2026-11-01', 'Cary Cell', cells.email ?? `cary@${domain}`, 'ae@relay.test', cells.template ?? 'Quick Start', cells.notes ?? 'fine']
      .map(quote).join(',');
  };
  const file = [
    `${HEADER},notes`,
    line('Clean One'), //                                             row 2: imported
    line('Nul\u0000 Corp'), //                                        row 3
    line('Bell Corp', { notes: 'ring \u0007 and escape \u001b[31m' }), // row 4
    line('Tab Corp', { arr: '100\u000b000' }), //                       row 5: a vertical tab, not a space
    line('Del Corp', { template: 'Quick Start\u007f' }), //            row 6
    line('Unit Corp', { email: 'unit\u001f@unit.example' }), //         row 7
    line('Clean Two', { notes: 'line one\n\tindented, with a tab' }), // row 8: tab, LF and CR are text: imported
    line('Two\u0001 Bad', { notes: 'nul \u0000 here' }), //             row 9: both cells named
  ].join('\r\n');

  it('shows each bad cell as a row error naming its column, keeps the clean rows, and imports only those', async () => {
    const preview = await previewOf(file);
    const bad = (column: string, code: string) => ({ column, message: `contains an invisible control character (${code}), which Relay does not accept in text` });
    expect(preview).toMatchObject({ total: 8, valid: 2, toCreate: 2 });
    expect(preview.errors).toEqual([
      { row: 3, ...bad('company_name', 'U+0000') },
      { row: 4, ...bad('notes', 'U+0007') },
      { row: 5, ...bad('arr', 'U+000B') },
      { row: 6, ...bad('template_name', 'U+007F') },
      { row: 7, ...bad('primary_contact_email', 'U+001F') },
      { row: 9, ...bad('company_name', 'U+0001') },
      { row: 9, ...bad('notes', 'U+0000') },
    ]);
    // Stored for the preview with each refused character shown as U+FFFD, never as itself.
    const stored = await storedInputs(preview.id);
    expect(stored.find((r) => r.row === 3)?.companyName).toBe('Nul\uFFFD Corp');
    expect(stored.find((r) => r.row === 8)?.notes).toBe('line one\n\tindented, with a tab');

    await h.whileWorkerRuns(async () => {
      const admin = await signIn(h, org.adminEmail);
      const page = await (await admin.get(`/imports/${preview.id}`)).text();
      expect(page).toContain('contains an invisible control character (U+0000), which Relay does not accept in text');

      const confirmed = await h.app.request(`/api/imports/${preview.id}/confirm`, { method: 'POST', headers: { authorization: `Bearer ${org.apiKey}` } });
      expect(confirmed.status).toBe(202);
      const done = await eventually(async () => {
        const status = await (await h.app.request(`/api/imports/${preview.id}`, { headers: { authorization: `Bearer ${org.apiKey}` } })).json() as { status: string; created: number; failed: number };
        return status.status === 'completed' ? status : undefined;
      }, { what: 'the import to finish', timeoutMs: 60_000 });
      expect(done).toMatchObject({ created: 2, failed: 6 });
    });
    // The only confirm in this file: the organisation's accounts are what it created.
    const names = (await h.database.db.select({ name: accounts.companyName }).from(accounts).where(eq(accounts.orgId, org.orgId))).map((a) => a.name);
    expect(names.sort()).toEqual(['Clean One', 'Clean Two']);
  });

  it('refuses a header with control characters as the whole file: it is a UTF-16 or binary file', async () => {
    expect(await refusal(`company_name,arr\u0000,close_date\nA,1,2026-01-01\n`, 400)).toMatch(/^Column 2 of the header row contains an invisible control character \(U\+0000\).*CSV UTF-8/);
    const utf16 = new Uint8Array(Buffer.from(`${HEADER}\r\nA,1,2026-01-01,B,b@a.example,,Quick Start\r\n`, 'utf16le'));
    expect(await refusal(utf16, 400)).toMatch(/UTF-16/);
  });
});

describe('CSV cells and headers', () => {
  it('quotes and formula-escapes cells so a spreadsheet shows them as text', () => {
    expect(csvLine(['=HYPERLINK("x")', 'plain', 'a,b', 'line\nbreak', -5, null])).toBe(`"'=HYPERLINK(""x"")",plain,"a,b","line\nbreak",-5,\r\n`);
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(escapeFormula(`${start}1`)).toBe(`'${start}1`);
    expect(escapeFormula('Acme')).toBe('Acme');
  });

  it('names every missing required column', () => {
    const match = matchHeaders(['Company', 'Email']);
    expect(match.problems[0]).toMatch(/^missing required columns: arr, close_date, primary_contact_name, template_name/);
  });
});
