// `npm run chaos`: N accounts (CHAOS_ACCOUNTS, default 200) driven through the app while workers are
// SIGKILLed, the Temporal dev server restarts, the suite's own Postgres goes down for 30 s and for
// 120 s, and the providers answer storms of 5xx/429 (CHAOS_FAULTS picks kinds: worker-kill,
// temporal-restart, postgres-outage, provider-storm; default all). Then every invariant is checked
// from Temporal's side and Postgres' side; the tables are printed, and the exit code says whether
// every invariant held. Logs and report.json land in test-artifacts/chaos/<time>/.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { findTemporalCli, PROJECT_ROOT } from '../platform/temporalCli.ts';
import { parseFaultKinds } from '../test/chaos/faults.ts';
import { formatReport } from '../test/chaos/report.ts';
import { chaosOptions, runChaos } from '../test/chaos/run.ts';

// The app in this process logs every 503 it answers; the run's own lines say what matters.
process.env.RELAY_LOG_QUIET ??= 'true';
if (!findTemporalCli()) {
  const cli = execFileSync('sh', [join(PROJECT_ROOT, 'scripts', 'ensure-temporal.sh')], { encoding: 'utf8' }).trim();
  if (cli) process.env.TEMPORAL_CLI_PATH = cli;
}
// Ctrl-C or a kill: exit through 'exit', whose hooks SIGKILL the workers, Postgres and Temporal.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const accounts = Number(process.env.CHAOS_ACCOUNTS ?? 200);
if (!Number.isInteger(accounts) || accounts < 1) throw new Error(`CHAOS_ACCOUNTS must be a positive integer, not ${process.env.CHAOS_ACCOUNTS}`);
const faults = parseFaultKinds(process.env.CHAOS_FAULTS);
const artifactsDir = join(PROJECT_ROOT, 'test-artifacts', 'chaos', new Date().toISOString().replace(/[:.]/g, '-'));
const started = Date.now();
const log = (line: string) => process.stdout.write(`[chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

const report = await runChaos(chaosOptions('full', { accounts, faults, artifactsDir, log }));
process.stdout.write(`\n${formatReport(report)}\n`);
process.exit(report.invariants.every((i) => i.held) ? 0 : 1);
