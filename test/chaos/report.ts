import type { FaultKind } from './faults.ts';
import type { ChaosReport } from './run.ts';

const FAULT_NAMES: Record<FaultKind, string> = {
  'worker-kill': 'worker SIGKILL (one of two; a replacement started)',
  'temporal-restart': 'Temporal dev server restart (same SQLite file, port)',
  'postgres-outage': 'Postgres down (immediate shutdown)',
  'provider-storm': 'OpenAI + Resend 5xx/429 storm',
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** The run as Markdown tables: faults injected, invariants, totals; then the first violations. */
export function formatReport(report: ChaosReport): string {
  const lines: string[] = [];
  lines.push('| fault | count | duration | what happened |', '| --- | --- | --- | --- |');
  for (const kind of Object.keys(FAULT_NAMES) as FaultKind[]) {
    const injected = report.faults.filter((f) => f.kind === kind);
    if (!injected.length) continue;
    const durations = kind === 'worker-kill'
      ? `replacement polling after ${injected.map((f) => seconds(f.durationMs)).join(', ')}`
      : injected.map((f) => seconds(f.durationMs)).join(', ');
    const details = kind === 'provider-storm' ? injected.map((f) => f.detail).join('; ')
      : kind === 'postgres-outage' ? injected.map((f) => `at ${seconds(f.atMs)}: ${f.detail}`).join('; ')
        : `at ${injected.map((f) => seconds(f.atMs)).join(', ')}`;
    const errors = injected.filter((f) => f.error).map((f) => ` **failed: ${f.error}**`).join('');
    lines.push(`| ${FAULT_NAMES[kind]} | ${injected.length} | ${durations} | ${details}${errors} |`);
  }
  lines.push('', '| invariant | held | counts |', '| --- | --- | --- |');
  for (const inv of report.invariants) lines.push(`| ${inv.name} | ${inv.held ? 'held' : `**VIOLATED** (${inv.violations.length})`} | ${inv.counts} |`);
  const statuses = Object.entries(report.requestsByStatus).sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${n} × ${s}`).join(', ');
  const t = report.timings;
  lines.push('',
    `Totals: ${report.accounts} accounts; ${report.requests} requests (${statuses}); wall time ${duration(t.wallMs)} ` +
    `(set-up ${duration(t.setupMs)}, driving ${duration(t.drivingMs)}, settling ${duration(t.settleMs)}, checks ${duration(t.checksMs)}).`);
  if (report.stillMoving) lines.push('', `Not settled when checked: ${report.stillMoving}`);
  for (const inv of report.invariants.filter((i) => !i.held)) {
    lines.push('', `Violated: ${inv.name}`);
    for (const v of inv.violations.slice(0, 10)) lines.push(`  - ${v}`);
    if (inv.violations.length > 10) lines.push(`  - … ${inv.violations.length - 10} more (report.json)`);
  }
  if (report.evidenceAccounts) lines.push('', `report.json tells the story of ${report.evidenceAccounts} accounts not as driven: their requests, timeline and the updates their runs accepted.`);
  lines.push('', `Logs and report.json: ${report.artifactsDir}`);
  return lines.join('\n');
}
