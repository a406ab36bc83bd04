/**
 * The accounts list at 100,000 accounts in one organisation: each typical query the dashboard runs,
 * timed through the repository (client p50/p95, what a user waits for) beside Postgres' own
 * EXPLAIN (ANALYZE, BUFFERS) execution time for the same SQL (the reference: the rest is driver and
 * round trips). Own database `relay_bench`, dropped and rebuilt each run, and dropped at the end.
 *
 * Accounts are seeded with COPY (one statement per organisation, so the account counters' insert
 * trigger sees every row, as it would a bulk import), then scored (account_health for every account
 * not churned, about a third of them At risk or Critical: the health trigger moves them in the counters).
 * Issue 13's goal: the dashboard list with its counts (listAccountsWithPortfolio: rows, tabs and
 * portfolio header) p95 < 10 ms at 1,000,000 accounts; the same request with the header counted
 * over the rows (the path before the counters) runs beside it as the reference.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench accountsList
 *   BENCH_ACCOUNTS=1000000 …               (the goal's size: minutes to seed)
 *   BENCH_ACCOUNTS=20000 BENCH_RUNS=20 …   (smaller, quicker)
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, type Database } from '../db/client.ts';
import { dropDatabase, recreateDatabase } from '../db/scratchDatabase.ts';
import { countedBucketsStatement } from '../db/repositories/accountCounters.ts';
import {
  accountListStatements, accountStatusCountStatement, countAccountsByStatus, countAccountsByStatusOverRows, listAccounts,
  listAccountsWithPortfolio, listAccountsWithStatusCounts, portfolioOverRows, portfolioSummary,
  type AccountListFilters, type AccountListQuery,
} from '../db/repositories/accounts.ts';
import { seedOrganisation } from '../db/seed/seedOrganisation.ts';
import { templateVersions, templates } from '../db/schema/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATABASE = 'relay_bench';
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100_000);
/** A second, smaller org shares the table, so every plan has to use org_id and not just the table. */
const NEIGHBOUR_ACCOUNTS = Math.round(ACCOUNTS / 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const WARMUP = 5;
const SLOW_P95_MS = 50;

const PREFIXES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Pied Piper', 'Soylent', 'Tyrell',
  'Cyberdyne', 'Wonka', 'Gringotts', 'Oscorp', 'Vandelay', 'Dunder', 'Massive', 'Monarch', 'Nakatomi', 'Oceanic',
  'Planet', 'Prestige', 'Sirius', 'Spacely', 'Sterling', 'Strickland', 'Tessier', 'Veridian', 'Virtucon', 'Weyland',
  'Blue Sun', 'Bluth', 'Burns', 'Compu', 'Ewing', 'Frobozz', 'Gekko', 'Krusty', 'Lacuna', 'Zorg'];
const SUFFIXES = ['Inc', 'Labs', 'Systems', 'Group', 'Corp', 'Health', 'Logistics', 'Bank', 'Cloud', 'Foods'];
const FIRST = ['Ada', 'Grace', 'Alan', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Dijkstra', 'Perlman', 'Lee'];

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)]!;

const ACCOUNT_COLUMNS = ['id', 'org_id', 'company_name', 'arr', 'close_date', 'primary_contact_name', 'primary_contact_email',
  'primary_domain', 'status', 'csm_user_id', 'template_version_id', 'workflow_id', 'milestones_completed', 'milestones_total',
  'search_text', 'created_at', 'updated_at', 'last_activity_at'];

/** COPY's text format: tab-separated, \N for null. The values made here hold no tab, newline or backslash. */
function* accountLines(orgId: string, n: number, csmIds: string[], versionIds: string[]): Generator<string> {
  const now = Date.now();
  let chunk = '';
  for (let g = 1; g <= n; g++) {
    const id = randomUUID();
    const prefix = pick(PREFIXES);
    const suffix = pick(SUFFIXES);
    const first = pick(FIRST);
    const last = pick(LAST);
    const statusDraw = Math.random();
    const status = statusDraw < 0.10 ? 'pending_handoff' : statusDraw < 0.55 ? 'active' : statusDraw < 0.67 ? 'at_risk' : statusDraw < 0.92 ? 'completed' : 'churned';
    const csm = Math.random() < 0.15 ? '\\N' : pick(csmIds);
    const arr = 5000 + Math.floor(Math.random() ** 3 * 1_995_000);
    const milestonesTotal = 3 + Math.floor(Math.random() * 5);
    const createdAt = now - Math.random() * 730 * 86_400_000;
    const activityAt = createdAt + (now - createdAt) * Math.random();
    const company = `${prefix} ${suffix} ${g}`;
    const domain = `${prefix.replace(/ /g, '').toLowerCase()}-${suffix.toLowerCase()}-${g}.example`;
    const email = `${first.toLowerCase()}@${domain}`;
    const created = new Date(createdAt).toISOString();
    chunk += [id, orgId, company, arr, created.slice(0, 10), `${first} ${last}`, email, domain, status, csm, pick(versionIds), `account-${id}`,
      Math.floor(Math.random() * (milestonesTotal + 1)), milestonesTotal,
      `${company} ${first} ${last} ${email} ${domain}`.toLowerCase(), created, created, new Date(activityAt).toISOString()].join('\t') + '\n';
    if (g % 2000 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * Accounts streamed in with one COPY, not row by row: a realistic spread of statuses (mostly
 * active/completed), a long tail of ARR, 15% without a CSM, two years of creation dates, activity
 * since then. COPY fires the statement-level insert trigger, so the counters count every row.
 * Then their domains, and a current score for every account not churned.
 */
async function seedAccounts(sql: postgres.Sql, orgId: string, n: number, csmIds: string[], versionIds: string[]) {
  const copy = await sql.unsafe(`copy accounts (${ACCOUNT_COLUMNS.join(', ')}) from stdin`).writable();
  await pipeline(Readable.from(accountLines(orgId, n, csmIds, versionIds)), copy);
  await sql.unsafe(`insert into account_domains (org_id, domain, account_id, is_primary)
    select org_id, primary_domain, id, true from accounts where org_id = '${orgId}'`);
  await sql.unsafe(`insert into account_health (account_id, org_id, score, tier, factors, excluded, config_version, computed_at, tier_since)
    select id, org_id, s.score,
      case when s.score >= 60 then 'healthy' when s.score >= 40 then 'needs_attention' when s.score >= 30 then 'at_risk' else 'critical' end,
      '[]'::jsonb, '[]'::jsonb, 0, now(), now()
    from (select id, org_id, (15 + floor(random() * 80))::smallint as score from accounts where org_id = '${orgId}' and status <> 'churned') s`);
}

async function seedOrg(db: Database, sql: postgres.Sql, name: string, n: number) {
  const slug = `${name.toLowerCase().replace(/\W+/g, '-')}-${Date.now()}`;
  const org = await seedOrganisation(db, {
    name, slug, admin: { email: `admin@${slug}.example`, name: 'Bench Admin' },
    csms: Array.from({ length: 12 }, (_, i) => ({ email: `csm${i}@${slug}.example`, name: `CSM ${String(i).padStart(2, '0')}` })),
  });
  const versions = await db.select({ id: templateVersions.id, templateId: templateVersions.templateId }).from(templateVersions)
    .where(eq(templateVersions.orgId, org.orgId));
  await seedAccounts(sql, org.orgId, n, org.csms.map((c) => c.id), versions.map((v) => v.id));
  const [template] = await db.select({ id: templates.id }).from(templates).where(eq(templates.orgId, org.orgId)).limit(1);
  return { ...org, templateId: template!.id };
}

interface Case {
  name: string;
  run(): Promise<unknown>;
  /** The statements the run sends, for EXPLAIN. */
  statements(): { label: string; toSQL(): { sql: string; params: unknown[] } }[];
}

/** Whether the list's total comes from the counters (status and CSM filters only), as listAccounts decides. */
const countedByCounters = (query: AccountListQuery) => Object.entries(query)
  .every(([k, v]) => v === undefined || ['status', 'csm', 'sort', 'dir', 'page', 'pageSize'].includes(k));

function listCase(db: Database, orgId: string, name: string, query: AccountListQuery, now: Date): Case {
  return {
    name,
    run: () => listAccounts(db, orgId, query, now),
    statements: () => {
      const s = accountListStatements(db, orgId, query, now);
      const csm = query.csm === 'unassigned' ? null : query.csm;
      return [
        { label: 'rows', toSQL: () => s.items.toSQL() },
        countedByCounters(query) ? { label: 'counters', toSQL: () => countedBucketsStatement(db, orgId, csm).toSQL() } : { label: 'count', toSQL: () => s.total.toSQL() },
      ];
    },
  };
}

/** The tab counts as the list reads them: from the counters for everyone's list or one CSM's, counted over the rows otherwise. */
function countsCase(db: Database, orgId: string, name: string, filters: AccountListFilters, now: Date, csm?: string): Case {
  return {
    name,
    run: () => countAccountsByStatus(db, orgId, filters, now),
    statements: () => [Object.keys(filters).every((k) => k === 'csm')
      ? { label: 'counters', toSQL: () => countedBucketsStatement(db, orgId, csm).toSQL() }
      : { label: 'tabs', toSQL: () => accountStatusCountStatement(db, orgId, filters, now).toSQL() }],
  };
}

/** The same counts by counting the rows: the path before the counters, the reference. */
function countedCase(db: Database, orgId: string, name: string, filters: AccountListFilters, now: Date): Case {
  return {
    name,
    run: () => countAccountsByStatusOverRows(db, orgId, filters, now),
    statements: () => [{ label: 'tabs', toSQL: () => accountStatusCountStatement(db, orgId, filters, now).toSQL() }],
  };
}

/**
 * The dashboard's request (page rows + tabs + portfolio header), as the page calls it; and the same
 * rows and header with the header counted over the rows, the path before the counters. The two
 * reference cases leave out the page's MRR/health/CRM completion (both paths share it), so compare
 * "rows + header" with "rows + header" and read the first case as what the page costs.
 */
function dashboardCases(db: Database, orgId: string, label: string, query: AccountListQuery, now: Date): Case[] {
  return [
    { name: `dashboard with counts, ${label}`, run: () => listAccountsWithPortfolio(db, orgId, query, now), statements: () => [] },
    {
      name: `  rows + header (counters), ${label}`,
      run: () => Promise.all([accountListStatements(db, orgId, query, now).items, portfolioSummary(db, orgId, query, now)]),
      statements: () => [],
    },
    {
      name: `  rows + header (counted), ${label}`,
      run: () => Promise.all([accountListStatements(db, orgId, query, now).items, portfolioOverRows(db, orgId, query, now)]),
      statements: () => [],
    },
  ];
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (n: number) => Math.round(n * 100) / 100;

interface PlanNode { 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] }

function planSummary(node: PlanNode): string[] {
  const here = node['Index Name'] ? `${node['Node Type']} ${node['Index Name']}` : node['Node Type'];
  return [here, ...(node.Plans ?? []).flatMap(planSummary)];
}

async function explain(sql: postgres.Sql, statement: { sql: string; params: unknown[] }) {
  const times: number[] = [];
  let plan: PlanNode | undefined;
  let buffers = 0;
  for (let i = 0; i < 3; i++) {
    const [row] = await sql.unsafe(`explain (analyze, buffers, format json) ${statement.sql}`, statement.params as postgres.ParameterOrJSON<never>[]);
    const [result] = (row as unknown as { 'QUERY PLAN': { 'Execution Time': number; Plan: PlanNode & { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }[] })['QUERY PLAN'];
    times.push(result!['Execution Time']);
    plan = result!.Plan;
    buffers = result!.Plan['Shared Hit Blocks'] + result!.Plan['Shared Read Blocks'];
  }
  times.sort((a, b) => a - b);
  return { executionMs: round(times[1]!), sharedBuffers: buffers, plan: [...new Set(planSummary(plan!))].join(' > ') };
}

/** The oldest pending handoff, as the header reads it: one entry of a partial index, everyone's or one CSM's. */
const oldestPendingStatement = (orgId: string, csm?: string) => ({
  sql: `select min(created_at) from accounts where org_id = $1 and status = 'pending_handoff'${csm ? ' and csm_user_id = $2' : ''}`,
  params: csm ? [orgId, csm] : [orgId],
});

async function main() {
  const url = await recreateDatabase(DATABASE);
  const handle = await openDatabase({ url, dataDir: '.data', max: 10 });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await handle.migrate();
    const db = handle.db;
    const seedStarted = Date.now();
    const org = await seedOrg(db, sql, 'Bench Org', ACCOUNTS);
    await seedOrg(db, sql, 'Neighbour Org', NEIGHBOUR_ACCOUNTS);
    // What autovacuum does to a table this size soon after a load: statistics, and the visibility
    // map that lets counts and page lookups read the indexes alone.
    await sql.unsafe('vacuum (analyze) accounts');
    await sql.unsafe('vacuum (analyze) account_health');
    await sql.unsafe('analyze');
    console.log(`seeded ${ACCOUNTS.toLocaleString('en-US')} accounts (+${NEIGHBOUR_ACCOUNTS.toLocaleString('en-US')} in a neighbour org) in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

    const now = new Date();
    const csm = org.csms[3]!.id;
    const pageSize = 25;
    const deepPage = Math.floor(ACCOUNTS / pageSize / 2);
    // Twelve CSMs share 85% of the accounts.
    const csmDeepPage = Math.max(1, Math.floor((ACCOUNTS * 0.85) / 12 / pageSize / 2));
    // The counters must give what counting gives, or their speed means nothing.
    for (const filters of [{}, { csm }, { csm: 'unassigned' }] as AccountListFilters[]) {
      const [fromCounters, counted] = [await portfolioSummary(db, org.orgId, filters, now), await portfolioOverRows(db, org.orgId, filters, now)];
      if (JSON.stringify(fromCounters) !== JSON.stringify(counted)) throw new Error(`counters disagree with counting for ${JSON.stringify(filters)}: ${JSON.stringify({ fromCounters, counted })}`);
    }
    console.log('counters agree with counting (everyone, one CSM, unassigned)');

    const cases: Case[] = [
      ...dashboardCases(db, org.orgId, 'page 1', { page: 1, pageSize }, now),
      ...dashboardCases(db, org.orgId, `page ${deepPage}`, { page: deepPage, pageSize }, now),
      ...dashboardCases(db, org.orgId, 'CSM, page 1', { csm, page: 1, pageSize }, now),
      ...dashboardCases(db, org.orgId, `CSM, page ${csmDeepPage}`, { csm, page: csmDeepPage, pageSize }, now),
      {
        name: 'oldest pending handoff (header)',
        run: () => sql.unsafe(oldestPendingStatement(org.orgId).sql, oldestPendingStatement(org.orgId).params),
        statements: () => [{ label: 'all', toSQL: () => oldestPendingStatement(org.orgId) }, { label: 'csm', toSQL: () => oldestPendingStatement(org.orgId, csm) }],
      },
      listCase(db, org.orgId, 'default page (newest first)', { page: 1, pageSize }, now),
      listCase(db, org.orgId, 'status tab: at_risk', { status: 'at_risk', page: 1, pageSize }, now),
      listCase(db, org.orgId, 'search "acme"', { q: 'acme', page: 1, pageSize }, now),
      listCase(db, org.orgId, 'search contact email', { q: 'grace@acme', page: 1, pageSize }, now),
      listCase(db, org.orgId, 'ARR 50k–250k, sort ARR desc', { arrMin: 50_000, arrMax: 250_000, sort: 'arr', dir: 'desc', page: 1, pageSize }, now),
      listCase(db, org.orgId, 'CSM, sort last activity', { csm, sort: 'lastActivity', dir: 'desc', page: 1, pageSize }, now),
      listCase(db, org.orgId, 'unassigned, inactive > 30 days', { csm: 'unassigned', inactiveForDays: 30, page: 1, pageSize }, now),
      listCase(db, org.orgId, 'template (any version)', { templateId: org.templateId, page: 1, pageSize }, now),
      listCase(db, org.orgId, 'sort name asc', { sort: 'name', dir: 'asc', page: 1, pageSize }, now),
      listCase(db, org.orgId, 'sort status asc', { sort: 'status', dir: 'asc', page: 1, pageSize }, now),
      listCase(db, org.orgId, 'sort progress desc', { sort: 'progress', dir: 'desc', page: 1, pageSize }, now),
      listCase(db, org.orgId, `deep page ${deepPage}`, { page: deepPage, pageSize }, now),
      countsCase(db, org.orgId, 'tab counts (counters)', {}, now),
      countedCase(db, org.orgId, '  tab counts (counted)', {}, now),
      countsCase(db, org.orgId, 'tab counts, CSM (counters)', { csm }, now, csm),
      countedCase(db, org.orgId, '  tab counts, CSM (counted)', { csm }, now),
      countsCase(db, org.orgId, 'tab counts, search "acme" (counted)', { q: 'acme' }, now),
      {
        name: 'dashboard request (rows + tab counts)',
        run: () => listAccountsWithStatusCounts(db, org.orgId, { page: 1, pageSize }, now),
        statements: () => [],
      },
    ];

    const results = [];
    for (const c of cases) {
      for (let i = 0; i < WARMUP; i++) await c.run();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        await c.run();
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const explained = [];
      for (const s of c.statements()) explained.push({ label: s.label, ...(await explain(sql, s.toSQL())) });
      const result = { name: c.name, runs: RUNS, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), postgres: explained };
      results.push(result);
      console.log(`  ${c.name}: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms`);
    }

    const pad = (s: string, n: number) => s.padEnd(n);
    const lpad = (s: string, n: number) => s.padStart(n);
    console.log(`\nAccounts list, ${ACCOUNTS.toLocaleString('en-US')} accounts, ${RUNS} runs each (client = listAccounts round trip; pg = EXPLAIN ANALYZE execution time)`);
    console.log(`${pad('query', 48)}${lpad('p50 ms', 9)}${lpad('p95 ms', 9)}   pg exec ms per statement`);
    for (const r of results) {
      const pg = r.postgres.map((p) => `${p.label} ${p.executionMs}`).join(', ') || '—';
      console.log(`${pad(r.name, 48)}${lpad(String(r.p50Ms), 9)}${lpad(String(r.p95Ms), 9)}   ${pg}${r.p95Ms > SLOW_P95_MS ? '   SLOW' : ''}`);
    }
    console.log('\nPlans:');
    for (const r of results) for (const p of r.postgres) console.log(`  ${r.name} [${p.label}]: ${p.plan}`);

    const out = join(ROOT, 'test-artifacts', 'bench-accounts-list.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({
      at: new Date().toISOString(), accounts: ACCOUNTS, neighbourAccounts: NEIGHBOUR_ACCOUNTS, runs: RUNS,
      slowThresholdP95Ms: SLOW_P95_MS, postgres: handle.where, results,
    }, null, 2)}\n`);
    console.log(`\nwrote ${out}`);
    const slow = results.filter((r) => r.p95Ms > SLOW_P95_MS);
    if (slow.length) console.log(`over ${SLOW_P95_MS} ms at p95: ${slow.map((r) => r.name).join(', ')}`);
  } finally {
    await sql.end();
    await handle.close();
    if (process.env.BENCH_KEEP_DATABASE !== '1') await dropDatabase(DATABASE);
  }
}

await main();
