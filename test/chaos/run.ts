import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LifecycleStatus } from '../../domain/lifecycle.ts';
import type { UpdateTimeouts } from '../../services/workflowUpdates.ts';
import { chaosAccountBody, driveAccount, newOutcome, newRunId, type AccountOutcome, type AccountPlan, type RequestRecord } from './driver.ts';
import { injectFaults, type FaultKind, type FaultRecord, type PlannedFault } from './faults.ts';
import { checkInvariants, settle, type InvariantResult } from './invariants.ts';
import { startChaosStack } from './stack.ts';

/** How hard and how long: the full run (`npm run chaos`) or the small one inside `npm test`. */
export interface ChaosOptions {
  accounts: number;
  faults: FaultKind[];
  /** Accounts start spread over this window, from the moment driving begins. */
  startWindowMs: number;
  thinkMs: [number, number];
  plan: PlannedFault[];
  /** A request answered later than this is a hang. */
  requestBoundMs: number;
  retryBudgetMs: number;
  waitBudgetMs: number;
  settleTimeoutMs: number;
  /** Stop settling when the same things stayed unsettled this long. */
  settleQuietMs: number;
  /** The API's bounds on account actions: the request bound must leave room for both. */
  updateTimeouts: UpdateTimeouts;
  artifactsDir: string;
  log: (line: string) => void;
}

export interface ChaosReport {
  accounts: number;
  faults: FaultRecord[];
  invariants: InvariantResult[];
  requestsByStatus: Record<string, number>;
  requests: number;
  timings: { setupMs: number; drivingMs: number; settleMs: number; checksMs: number; wallMs: number };
  stillMoving: string | null;
  /** Accounts whose story (requests, timeline, accepted updates) report.json tells. */
  evidenceAccounts: number;
  artifactsDir: string;
}

const SECOND = 1_000;

/**
 * The fault schedules (times since driving began). Full: every kind more than once, a 30 s and a
 * 120 s database outage, two 30 s provider storms; the accounts start over five minutes, so every
 * fault meets accounts in every step. Small: one of each, a few seconds each, for `npm test`.
 */
export function chaosOptions(size: 'full' | 'small', overrides: { accounts: number; faults: FaultKind[]; artifactsDir: string; log: (line: string) => void }): ChaosOptions {
  const full: PlannedFault[] = [
    { kind: 'provider-storm', atMs: 15 * SECOND, durationMs: 30 * SECOND },
    { kind: 'worker-kill', atMs: 25 * SECOND },
    { kind: 'temporal-restart', atMs: 55 * SECOND },
    { kind: 'postgres-outage', atMs: 75 * SECOND, durationMs: 30 * SECOND },
    { kind: 'worker-kill', atMs: 95 * SECOND },
    { kind: 'provider-storm', atMs: 120 * SECOND, durationMs: 30 * SECOND },
    { kind: 'temporal-restart', atMs: 140 * SECOND },
    { kind: 'postgres-outage', atMs: 165 * SECOND, durationMs: 120 * SECOND },
    { kind: 'worker-kill', atMs: 210 * SECOND },
    { kind: 'worker-kill', atMs: 300 * SECOND },
    { kind: 'temporal-restart', atMs: 320 * SECOND },
  ];
  const small: PlannedFault[] = [
    { kind: 'provider-storm', atMs: 2 * SECOND, durationMs: 8 * SECOND },
    { kind: 'worker-kill', atMs: 7 * SECOND },
    { kind: 'temporal-restart', atMs: 14 * SECOND },
    { kind: 'postgres-outage', atMs: 20 * SECOND, durationMs: 8 * SECOND },
  ];
  const plan = (size === 'full' ? full : small).filter((f) => overrides.faults.includes(f.kind));
  const updateTimeouts = { acceptWithinMs: 4 * SECOND, finishWithinMs: 8 * SECOND };
  return size === 'full'
    ? {
      ...overrides, plan, updateTimeouts, startWindowMs: 300 * SECOND, thinkMs: [1 * SECOND, 5 * SECOND],
      requestBoundMs: 15 * SECOND, retryBudgetMs: 200 * SECOND, waitBudgetMs: 300 * SECOND, settleTimeoutMs: 180 * SECOND, settleQuietMs: 60 * SECOND,
    }
    : {
      ...overrides, plan, updateTimeouts, startWindowMs: 24 * SECOND, thinkMs: [300, 1_200],
      requestBoundMs: 15 * SECOND, retryBudgetMs: 60 * SECOND, waitBudgetMs: 60 * SECOND, settleTimeoutMs: 90 * SECOND, settleQuietMs: 30 * SECOND,
    };
}

/** What account `index` goes through: a mix of endings (completed, churned, at risk, back to active). */
function planAccount(runId: string, index: number, total: number, csms: { email: string }[], startWindowMs: number): AccountPlan {
  const { body, aeEmail } = chaosAccountBody(runId, index);
  const variants: { milestones: number | 'all'; statuses: LifecycleStatus[] }[] = [
    { milestones: 'all', statuses: ['completed'] },
    { milestones: 1 + (index % 3), statuses: ['churned'] },
    { milestones: 1, statuses: ['at_risk'] },
    { milestones: 2, statuses: ['at_risk', 'active'] },
  ];
  const variant = variants[index % variants.length]!;
  return {
    index, body, aeEmail,
    handoffCsmEmail: csms[index % csms.length]!.email,
    reassignCsmEmail: csms[(index + 1) % csms.length]!.email,
    milestonesToComplete: variant.milestones,
    statusChanges: variant.statuses,
    goalsAnswer: `AE for #${index}: live with the ops team by March (${runId})`,
    startAtMs: Math.round((index / total) * startWindowMs),
  };
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const began = Date.now();
  const clock = { startedAt: began };
  const now = () => Date.now() - clock.startedAt;
  opts.log(`starting: ${opts.accounts} accounts, faults ${opts.faults.join(', ') || 'none'}; artifacts in ${opts.artifactsDir}`);
  const stack = await startChaosStack({ artifactsDir: opts.artifactsDir, workers: 2, updateTimeouts: opts.updateTimeouts, now });
  try {
    const setupMs = Date.now() - began;
    opts.log(`stack up in ${(setupMs / 1000).toFixed(1)} s: app ${stack.baseUrl}, 2 workers, Postgres on ${stack.postgres.port}`);
    clock.startedAt = Date.now();
    const runId = newRunId();
    const outcomes: AccountOutcome[] = Array.from({ length: opts.accounts }, (_, i) => newOutcome(planAccount(runId, i, opts.accounts, stack.org.csms, opts.startWindowMs)));
    const requests: RequestRecord[] = [];
    const stop = new AbortController();
    const progress = setInterval(() => {
      const created = outcomes.filter((o) => o.id).length;
      const handedOff = outcomes.filter((o) => o.expected.assignments > 0).length;
      const done = outcomes.filter((o) => o.done).length;
      const failed = outcomes.filter((o) => o.failure).length;
      const unavailable = requests.filter((r) => r.status === 503).length;
      opts.log(`t=${(now() / 1000).toFixed(0)} s: ${created} created, ${handedOff} handed off, ${done} done, ${failed} stuck; ${requests.length} requests (${unavailable} × 503)`);
    }, 15_000);
    let faults: FaultRecord[];
    try {
      const injecting = injectFaults(stack, opts.plan, { startedAt: clock.startedAt, log: opts.log });
      await Promise.all(outcomes.map((outcome) => driveAccount({
        baseUrl: stack.baseUrl, apiKey: stack.org.apiKey, csms: stack.org.csms, inbox: stack.resend, startedAt: clock.startedAt,
        requestBoundMs: opts.requestBoundMs, retryBudgetMs: opts.retryBudgetMs, waitBudgetMs: opts.waitBudgetMs, thinkMs: opts.thinkMs,
        requests, signal: stop.signal,
      }, outcome)));
      faults = await injecting;
    } finally {
      clearInterval(progress);
      stop.abort();
    }
    // How long the app took to serve again once Postgres was back: the slowest request begun in the 5 s after.
    for (const outage of faults.filter((f) => f.kind === 'postgres-outage')) {
      const back = outage.atMs + outage.durationMs;
      const after = requests.filter((r) => r.atMs - r.ms >= back && r.atMs - r.ms < back + 5_000);
      if (after.length) outage.detail += `; requests begun in the 5 s after it came back took up to ${(Math.max(...after.map((r) => r.ms)) / 1000).toFixed(1)} s`;
    }
    const drivingMs = now();
    opts.log(`driving done at ${(drivingMs / 1000).toFixed(1)} s; settling`);

    const csmEmailById = new Map(stack.org.csms.map((c) => [c.id, c.email]));
    const settled = await settle({ database: stack.database, temporal: stack.temporal, orgId: stack.org.orgId, outcomes, csmEmailById, timeoutMs: opts.settleTimeoutMs, quietMs: opts.settleQuietMs });
    opts.log(`settled in ${(settled.ms / 1000).toFixed(1)} s${settled.stillMoving ? ` (still moving: ${settled.stillMoving})` : ''}; checking`);
    const checksBegan = Date.now();
    const { results: invariants, evidence } = await checkInvariants({
      database: stack.database, temporal: stack.temporal, orgId: stack.org.orgId, outcomes, requests, csmEmailById,
      inbox: stack.resend, resendConflicts: stack.gates.resend.forwardedAnswers.get(409) ?? 0, requestBoundMs: opts.requestBoundMs,
      workerCrashes: stack.workers.unexpectedExits, faults, startedAt: clock.startedAt, updateTimeouts: opts.updateTimeouts,
    });
    const checksMs = Date.now() - checksBegan;
    const requestsByStatus: Record<string, number> = {};
    for (const r of requests) requestsByStatus[String(r.status)] = (requestsByStatus[String(r.status)] ?? 0) + 1;
    const report: ChaosReport = {
      accounts: opts.accounts, faults, invariants, requestsByStatus, requests: requests.length,
      timings: { setupMs, drivingMs, settleMs: settled.ms, checksMs, wallMs: Date.now() - began },
      stillMoving: settled.stillMoving, evidenceAccounts: evidence.length, artifactsDir: opts.artifactsDir,
    };
    writeFileSync(join(opts.artifactsDir, 'report.json'), JSON.stringify({
      ...report, options: { ...opts, log: undefined }, evidence,
      outcomes: outcomes.map((o) => ({ index: o.plan.index, id: o.id, created: o.created, reached: o.reached, done: o.done, failure: o.failure, expected: o.expected, appliedDespite503: o.appliedDespite503 })),
    }, null, 2));
    writeFileSync(join(opts.artifactsDir, 'requests.json'), JSON.stringify(requests));
    return report;
  } finally {
    await stack.close();
  }
}
