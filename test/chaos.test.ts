import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { FAULT_KINDS } from './chaos/faults.ts';
import { formatReport } from './chaos/report.ts';
import { chaosOptions, runChaos } from './chaos/run.ts';

// The chaos suite's small version (`npm run chaos` is the full one): 12 accounts driven through the
// app while a worker is SIGKILLed, the Temporal dev server restarts, the suite's own Postgres goes
// down for 8 s and the providers storm; then every invariant, from Temporal's side and Postgres'.
// It runs a Postgres, a Temporal server and two worker processes of its own (not the run's shared ones).

describe('chaos (small)', () => {
  it('keeps every invariant through a worker kill, a Temporal restart, a database outage and a provider storm', async () => {
    const artifactsDir = join(PROJECT_ROOT, 'test-artifacts', 'chaos', `small-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    const lines: string[] = [];
    const report = await runChaos(chaosOptions('small', { accounts: 12, faults: [...FAULT_KINDS], artifactsDir, log: (line) => lines.push(line) }));
    const table = formatReport(report);
    console.log(table);

    expect(report.faults.map((f) => f.kind).sort()).toEqual([...FAULT_KINDS].sort());
    expect(report.faults.filter((f) => f.error)).toEqual([]);
    expect(report.invariants.filter((i) => !i.held).map((i) => `${i.name}: ${i.violations.slice(0, 5).join('; ')}`), `${table}\n\n${lines.join('\n')}`).toEqual([]);
    // The faults were felt: the database outage answered 503s to some requests.
    expect(report.requestsByStatus['503'] ?? 0).toBeGreaterThan(0);
  }, 240_000);
});
