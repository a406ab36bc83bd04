/**
 * Bulk CSV import at SPEC §5's ceiling: a 10,000-row file through the real API, timed in three parts:
 * the preview (read, validate, dedupe, store); after confirm, the bulkImport workflow until the import
 * completes (every row an account in pending_handoff with its run started: the import's own work); and
 * confirm until every imported account's handoff email is in the outbox (the account workflows' work,
 * bound by the worker's CPU). Reference, in the same run: accounts created one by one through
 * POST /api/accounts, the path an import row took before issue 13 (631 s to all accounts and 722 s
 * to all emails for 10,000 rows then).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench csvImport
 *   sh scripts/node24.sh tsx bench/csvImport.bench.ts 2000      (rows as the first argument, or BENCH_IMPORT_ROWS)
 *   BENCH_EMAIL_WAIT_MS   how long to wait for the emails after the import completes (default 15 min)
 *
 * Own database `relay_bench_import` (dropped and rebuilt each run); its own Temporal dev server
 * unless TEMPORAL_ADDRESS is set; the worker runs in this process.
 */
import { randomUUID } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createApp } from '../api/app.tsx';
import type { AppDeps } from '../api/deps.ts';
import { openDatabase } from '../db/client.ts';
import { recreateDatabase } from '../db/scratchDatabase.ts';
import { accounts, outboxEmails } from '../db/schema/index.ts';
import { seedOrganisation } from '../db/seed/seedOrganisation.ts';
import { createRuleBasedDrafter } from '../integrations/drafting/ruleBasedDrafter.ts';
import { createDevOutboxMailer } from '../integrations/email/mailer.ts';
import { openBenchTemporal } from './benchTemporal.ts';
import { createRelayWorker } from '../worker.ts';

const DATABASE = 'relay_bench_import';
const ROWS = Number(process.argv[2] ?? process.env.BENCH_IMPORT_ROWS ?? 10_000);
const REFERENCE_CREATES = Number(process.env.BENCH_REFERENCE_CREATES ?? 100);
/** How long to keep watching the handoff emails after the import itself is done (the worker sends ~19/s here). */
const EMAIL_WAIT_MS = Number(process.env.BENCH_EMAIL_WAIT_MS ?? 900_000);
const TASK_QUEUE = `bench-import-${randomUUID().slice(0, 8)}`;

// Account workflows retry their first read while the creating transaction commits; those retries are expected noise.
Runtime.install({ logger: new DefaultLogger('ERROR') });
process.env.RELAY_LOG_QUIET ??= 'true';

if (!Number.isInteger(ROWS) || ROWS < 1 || ROWS > 10_000) {
  console.error(`rows must be a whole number from 1 to 10000 (got ${process.argv[2] ?? process.env.BENCH_IMPORT_ROWS})`);
  process.exit(2);
}

function csvOf(rows: number): string {
  const lines = ['company_name,arr,close_date,primary_contact_name,primary_contact_email,ae_email,template_name,website,notes'];
  for (let i = 1; i <= rows; i++) {
    const domain = `bench-${i}-${randomUUID().slice(0, 6)}.example`;
    lines.push(`"Bench Company ${i}, Inc",${10_000 + i * 7},2026-11-01,Contact ${i},contact@${domain},ae@relay.test,Quick Start,https://${domain},"Imported by the benchmark"`);
  }
  return `${lines.join('\n')}\n`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const databaseUrl = await recreateDatabase(DATABASE);
  const database = await openDatabase({ url: databaseUrl, dataDir: '.data', max: 20 });
  await database.migrate();

  const { address, server, connection: clientConnection, client } = await openBenchTemporal();
  const workerConnection = await NativeConnection.connect({ address });
  const mailer = createDevOutboxMailer();
  const worker = await createRelayWorker({
    connection: workerConnection, namespace: 'default', taskQueue: TASK_QUEUE,
    activityDeps: { db: database.db, mailer, drafter: createRuleBasedDrafter(), publicUrl: 'http://relay.bench', tokenSecret: 'bench-secret-for-handoff-tokens-0123456789' },
  });
  const running = worker.run();

  try {
    const deps: AppDeps = {
      db: database.db, temporal: client, taskQueue: TASK_QUEUE, namespace: 'default', temporalUiUrl: 'http://temporal-ui.bench',
      devOutbox: true, mailer, publicUrl: 'http://relay.bench',
      secureCookies: false, checkReadiness: async () => ({ database: true, temporal: true, workers: true }),
    };
    const app = createApp(deps);
    const org = await seedOrganisation(database.db, {
      name: 'Bench Import Org', slug: `bench-import-${randomUUID().slice(0, 8)}`,
      admin: { email: 'admin@bench.example', name: 'Bench Admin' }, csms: [{ email: 'csm@bench.example', name: 'Bench CSM' }],
    });
    const auth = { authorization: `Bearer ${org.apiKey}` };

    // Reference: the API path one account at a time (what an import row does inside its batch).
    const referenceStarted = performance.now();
    for (let i = 0; i < REFERENCE_CREATES; i++) {
      const domain = `reference-${i}-${randomUUID().slice(0, 6)}.example`;
      const res = await app.request('/api/accounts', {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ companyName: `Reference ${i}`, arr: 50_000, closeDate: '2026-11-01', primaryContactName: 'Ref', primaryContactEmail: `ref@${domain}`, website: `https://${domain}`, aeEmail: 'ae@relay.test', templateName: 'Quick Start' }),
      });
      if (res.status !== 201) throw new Error(`reference create failed: ${res.status} ${await res.text()}`);
    }
    const referenceMs = performance.now() - referenceStarted;

    const file = csvOf(ROWS);
    const previewStarted = performance.now();
    const uploaded = await app.request('/api/imports?filename=bench.csv', { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: file });
    const previewMs = performance.now() - previewStarted;
    if (uploaded.status !== 201) throw new Error(`upload failed: ${uploaded.status} ${await uploaded.text()}`);
    const preview = await uploaded.json() as { id: string; total: number; valid: number; toCreate: number; errors: unknown[] };
    if (preview.toCreate !== ROWS) throw new Error(`expected ${ROWS} rows to create, preview says ${preview.toCreate} (${preview.errors.length} errors)`);

    const importStarted = performance.now();
    const confirmed = await app.request(`/api/imports/${preview.id}/confirm`, { method: 'POST', headers: auth });
    if (confirmed.status !== 202) throw new Error(`confirm failed: ${confirmed.status} ${await confirmed.text()}`);
    let lastReport = 0;
    for (;;) {
      const status = await (await app.request(`/api/imports/${preview.id}`, { headers: auth })).json() as { status: string; created: number; skipped: number; failed: number };
      if (status.status === 'failed') throw new Error(`import failed: ${JSON.stringify(status)}`);
      if (status.status === 'completed') break;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        console.log(`  … ${status.created}/${ROWS} created after ${seconds(lastReport - importStarted)}`);
      }
      await sleep(250);
    }
    const importMs = performance.now() - importStarted;
    const [pending] = await database.db.select({ n: count() }).from(accounts).where(and(eq(accounts.orgId, org.orgId), eq(accounts.status, 'pending_handoff')));
    const pendingHandoff = (pending?.n ?? 0) - REFERENCE_CREATES;

    const countEmails = async () => (await database.db.select({ n: count() }).from(outboxEmails)
      .where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, 'handoff_link'))))[0]?.n ?? 0;
    const emailsAtImportEnd = await countEmails();
    let emails = emailsAtImportEnd;
    const emailDeadline = performance.now() + EMAIL_WAIT_MS;
    while (emails < ROWS + REFERENCE_CREATES && performance.now() < emailDeadline) {
      await sleep(250);
      emails = await countEmails();
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        console.log(`  … ${emails}/${ROWS + REFERENCE_CREATES} handoff emails after ${seconds(lastReport - importStarted)}`);
      }
    }
    const emailsMs = performance.now() - importStarted;
    const allEmails = emails >= ROWS + REFERENCE_CREATES;

    console.log(`csvImport: ${ROWS.toLocaleString('en-US')} rows, ${(Buffer.byteLength(file) / 1024 / 1024).toFixed(2)} MB, worker and Temporal dev server on this machine`);
    console.log(`  preview (upload → validated, deduped, stored):  ${seconds(previewMs)}  (${(previewMs / ROWS).toFixed(2)} ms/row)`);
    console.log(`  confirm → all rows imported (accounts + runs):   ${seconds(importMs)}  (${(importMs / ROWS).toFixed(2)} ms/row, ${(ROWS / (importMs / 1000)).toFixed(0)} accounts/s)`);
    console.log(`  accounts in pending_handoff from the import:     ${pendingHandoff.toLocaleString('en-US')} of ${ROWS.toLocaleString('en-US')}`);
    console.log(`  handoff emails sent when the import completed:   ${emailsAtImportEnd.toLocaleString('en-US')} of ${(ROWS + REFERENCE_CREATES).toLocaleString('en-US')}`);
    console.log(allEmails
      ? `  confirm → all handoff emails:                    ${seconds(emailsMs)}  (${(ROWS / (emailsMs / 1000)).toFixed(1)} accounts/s end to end)`
      : `  confirm → all handoff emails:                    not reached: ${emails.toLocaleString('en-US')} of ${(ROWS + REFERENCE_CREATES).toLocaleString('en-US')} after ${seconds(emailsMs)} (BENCH_EMAIL_WAIT_MS)`);
    console.log(`  reference: ${REFERENCE_CREATES} sequential POST /api/accounts: ${seconds(referenceMs)}  (${(referenceMs / REFERENCE_CREATES).toFixed(2)} ms/account)`);
    if (pendingHandoff !== ROWS) throw new Error(`expected ${ROWS} accounts in pending_handoff, found ${pendingHandoff}`);
  } finally {
    worker.shutdown();
    await running;
    await workerConnection.close();
    await clientConnection.close();
    await database.close();
    await server?.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
