/**
 * The accounts list at 100,000 accounts in one organisation: each typical query the dashboard runs,
 * timed through the repository (client p50/p95, what a user waits for) beside Postgres' own
 * EXPLAIN (ANALYZE, BUFFERS) execution time for the same SQL (the reference: the rest is driver and
 * round trips). Own database `relay_bench`, dropped and rebuilt each run.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench accountsList
 *   BENCH_ACCOUNTS=20000 BENCH_RUNS=20 …   (smaller, quicker)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, type Database } from '../db/client.ts';
import { recreateDatabase } from '../db/scratchDatabase.ts';
import {
  accountListStatements, accountStatusCountStatement, countAccountsByStatus, listAccounts, listAccountsWithStatusCounts,
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

const textArray = (values: string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]::text[]`;

/**
 * Accounts made in SQL, not row by row: a realistic spread of statuses (mostly active/completed),
 * a long tail of ARR, 15% without a CSM, two years of creation dates, activity since then.
 */
async function seedAccounts(sql: postgres.Sql, orgId: string, n: number, csmIds: string[], versionIds: string[]) {
  await sql.unsafe(`
    insert into accounts (id, org_id, company_name, arr, close_date, primary_contact_name, primary_contact_email,
      primary_domain, status, csm_user_id, template_version_id, workflow_id, milestones_completed, milestones_total,
      search_text, created_at, updated_at, last_activity_at)
    with drawn as materialized (
      select g, gen_random_uuid()::text as id,
        (${textArray(PREFIXES)})[1 + floor(random() * ${PREFIXES.length})::int] as prefix,
        (${textArray(SUFFIXES)})[1 + floor(random() * ${SUFFIXES.length})::int] as suffix,
        (${textArray(FIRST)})[1 + floor(random() * ${FIRST.length})::int] as first_name,
        (${textArray(LAST)})[1 + floor(random() * ${LAST.length})::int] as last_name,
        random() as status_draw,
        case when random() < 0.15 then null else (${textArray(csmIds)})[1 + floor(random() * ${csmIds.length})::int] end as csm,
        (${textArray(versionIds)})[1 + floor(random() * ${versionIds.length})::int] as version_id,
        (5000 + floor(power(random(), 3) * 1995000))::bigint as arr,
        3 + floor(random() * 5)::int as milestones_total,
        random() as progress_draw,
        now() - random() * interval '730 days' as created_at,
        random() as activity_draw
      from generate_series(1, ${n}) g
    ), named as materialized (
      select *, prefix || ' ' || suffix || ' ' || g as company,
        lower(replace(prefix, ' ', '')) || '-' || lower(suffix) || '-' || g || '.example' as domain
      from drawn
    )
    select id, '${orgId}', company, arr, to_char(created_at, 'YYYY-MM-DD'), first_name || ' ' || last_name,
      lower(first_name) || '@' || domain, domain,
      case when status_draw < 0.10 then 'pending_handoff' when status_draw < 0.55 then 'active'
           when status_draw < 0.67 then 'at_risk' when status_draw < 0.92 then 'completed' else 'churned' end,
      csm, version_id, 'account-' || id,
      floor(progress_draw * (milestones_total + 1))::int, milestones_total,
      lower(company || ' ' || first_name || ' ' || last_name || ' ' || lower(first_name) || '@' || domain || ' ' || domain),
      created_at, created_at, created_at + (now() - created_at) * activity_draw
    from named`);
  await sql.unsafe(`insert into account_domains (org_id, domain, account_id, is_primary)
    select org_id, primary_domain, id, true from accounts where org_id = '${orgId}'`);
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

function listCase(db: Database, orgId: string, name: string, query: AccountListQuery, now: Date): Case {
  return {
    name,
    run: () => listAccounts(db, orgId, query, now),
    statements: () => {
      const s = accountListStatements(db, orgId, query, now);
      return [{ label: 'rows', toSQL: () => s.items.toSQL() }, { label: 'count', toSQL: () => s.total.toSQL() }];
    },
  };
}

function countsCase(db: Database, orgId: string, name: string, filters: AccountListFilters, now: Date): Case {
  return {
    name,
    run: () => countAccountsByStatus(db, orgId, filters, now),
    statements: () => [{ label: 'tabs', toSQL: () => accountStatusCountStatement(db, orgId, filters, now).toSQL() }],
  };
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
    await sql.unsafe('analyze');
    console.log(`seeded ${ACCOUNTS.toLocaleString('en-US')} accounts (+${NEIGHBOUR_ACCOUNTS.toLocaleString('en-US')} in a neighbour org) in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

    const now = new Date();
    const csm = org.csms[3]!.id;
    const pageSize = 25;
    const deepPage = Math.floor(ACCOUNTS / pageSize / 2);
    const cases: Case[] = [
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
      countsCase(db, org.orgId, 'tab counts', {}, now),
      countsCase(db, org.orgId, 'tab counts, search "acme"', { q: 'acme' }, now),
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
    console.log(`${pad('query', 40)}${lpad('p50 ms', 9)}${lpad('p95 ms', 9)}   pg exec ms per statement`);
    for (const r of results) {
      const pg = r.postgres.map((p) => `${p.label} ${p.executionMs}`).join(', ') || '—';
      console.log(`${pad(r.name, 40)}${lpad(String(r.p50Ms), 9)}${lpad(String(r.p95Ms), 9)}   ${pg}${r.p95Ms > SLOW_P95_MS ? '   SLOW' : ''}`);
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
  }
}

await main();
