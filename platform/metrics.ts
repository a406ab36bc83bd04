import { timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/client.ts';
import { countAllAccountsByStatus } from '../db/repositories/accountCounters.ts';
import { outboxBacklog } from '../db/repositories/outbox.ts';
import { RECONCILE_SCHEDULE_ID } from '../workflows/definitions.ts';
import { log } from './log.ts';

/**
 * Relay's Prometheus metrics (prom-client), one registry per process. Series:
 *
 *   relay_http_request_duration_seconds{method,route,status_class}   histogram, every API answer
 *   relay_http_request_errors_total{method,route,status_class}       4xx and 5xx answers
 *   relay_http_requests_in_flight                                    requests being answered now
 *   relay_activity_duration_seconds{activity,outcome}                histogram, every activity attempt (workers)
 *   relay_accounts{status}                                           accounts per lifecycle status, all organisations
 *   relay_outbox_unsent_emails{status}                               held / sending / failed emails
 *   relay_outbox_oldest_unsent_age_seconds                           oldest email still sending or failed (0: none)
 *   relay_reconciler_last_run_age_seconds{schedule}                  since the reconcile schedule last started a run
 *   plus prom-client's process and Node.js defaults (process_*, nodejs_*).
 *
 * `route` is the route's pattern as registered (`/api/accounts/:id`), never the raw path: no IDs or
 * tokens in labels, and a bounded number of series. The gauges read Postgres and Temporal when
 * scraped, at most once per STATE_TTL_MS however many scrapers ask.
 */
export interface RelayMetrics {
  readonly registry: Registry;
  observeRequest(request: { method: string; route: string; status: number; seconds: number }): void;
  /** Call when a request starts; the returned function when it ends. */
  requestStarted(): () => void;
  observeActivity(attempt: { activity: string; outcome: 'completed' | 'failed' | 'cancelled'; seconds: number }): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /**
   * Who may read /metrics: anyone without a token (keep the port internal, or block /metrics at the
   * proxy), else only `Authorization: Bearer <token>` (RELAY_METRICS_TOKEN).
   */
  allows(authorization: string | undefined): boolean;
}

export interface MetricsOptions {
  /** Accounts per status and the outbox backlog come from here. */
  db?: Database;
  /** The reconcile schedule's last run comes from here. */
  temporal?: Client;
  /** RELAY_METRICS_TOKEN: scrapers must send it as a bearer token. */
  token?: string | undefined;
  /** The reconcile schedule to watch (tests use one of their own). */
  reconcileScheduleId?: string;
  /** prom-client's process_* and nodejs_* series (a process's own registry; off for registries made per test). */
  defaultMetrics?: boolean;
}

const STATE_TTL_MS = 5_000;
/** Seconds: fast pages and API calls (ms) up to updates that wait for a worker (tens of seconds). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const ACTIVITY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 600];

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

interface State {
  accounts: Record<string, number> | null;
  outbox: Awaited<ReturnType<typeof outboxBacklog>> | null;
  reconcilerLastRunAt: Date | null;
}

export function createMetrics(sources: MetricsOptions = {}): RelayMetrics {
  const registry = new Registry();
  if (sources.defaultMetrics) collectDefaultMetrics({ register: registry });

  const duration = new Histogram({
    name: 'relay_http_request_duration_seconds', help: 'Time to answer an HTTP request, by route pattern.',
    labelNames: ['method', 'route', 'status_class'] as const, buckets: HTTP_BUCKETS, registers: [registry],
  });
  const errors = new Counter({
    name: 'relay_http_request_errors_total', help: 'HTTP requests answered with a 4xx or 5xx status, by route pattern.',
    labelNames: ['method', 'route', 'status_class'] as const, registers: [registry],
  });
  const inFlight = new Gauge({ name: 'relay_http_requests_in_flight', help: 'HTTP requests being answered now.', registers: [registry] });
  const activities = new Histogram({
    name: 'relay_activity_duration_seconds', help: 'Time of one activity attempt on this worker, by activity type and outcome.',
    labelNames: ['activity', 'outcome'] as const, buckets: ACTIVITY_BUCKETS, registers: [registry],
  });

  let cached: { at: number; state: Promise<State> } | null = null;
  const state = (): Promise<State> => {
    if (!cached || Date.now() - cached.at > STATE_TTL_MS) cached = { at: Date.now(), state: readState(sources) };
    return cached.state;
  };

  if (sources.db) {
    /** A gauge with one sample per status, read from the scrape's state (none when its source failed). */
    const perStatus = (name: string, help: string, counts: (s: State) => Record<string, number> | null | undefined) => new Gauge({
      name, help, labelNames: ['status'] as const, registers: [registry],
      async collect() {
        const found = counts(await state());
        this.reset();
        for (const [status, n] of Object.entries(found ?? {})) this.set({ status }, n);
      },
    });
    perStatus('relay_accounts', 'Accounts per lifecycle status, all organisations (read from Postgres when scraped).', (s) => s.accounts);
    perStatus('relay_outbox_unsent_emails', 'Emails not handed to the mail provider: held (no provider), sending (in hand or crashed mid-send), failed.', (s) => s.outbox?.counts);
    new Gauge({
      name: 'relay_outbox_oldest_unsent_age_seconds', help: 'Age of the oldest email still sending or failed; 0 when there is none.',
      registers: [registry],
      async collect() {
        const { outbox } = await state();
        this.reset();
        if (outbox) this.set(outbox.oldestUnsentAt ? Math.max(0, (Date.now() - outbox.oldestUnsentAt.getTime()) / 1000) : 0);
      },
    });
  }
  if (sources.temporal) {
    new Gauge({
      name: 'relay_reconciler_last_run_age_seconds',
      help: `Seconds since the schedule ${RECONCILE_SCHEDULE_ID} last started a reconcile run (every 10 minutes when healthy); absent when the schedule is missing.`,
      labelNames: ['schedule'] as const, registers: [registry],
      async collect() {
        const { reconcilerLastRunAt } = await state();
        // Labelled so that a missing schedule means no sample at all (an absent() alert fires), not a 0.
        this.reset();
        if (reconcilerLastRunAt) this.set({ schedule: sources.reconcileScheduleId ?? RECONCILE_SCHEDULE_ID }, Math.max(0, (Date.now() - reconcilerLastRunAt.getTime()) / 1000));
      },
    });
  }

  return {
    registry,
    observeRequest({ method, route, status, seconds }) {
      const labels = { method, route, status_class: statusClass(status) };
      duration.observe(labels, seconds);
      if (status >= 400) errors.inc(labels);
    },
    requestStarted() {
      inFlight.inc();
      let done = false;
      return () => {
        if (!done) inFlight.dec();
        done = true;
      };
    },
    observeActivity({ activity, outcome, seconds }) {
      activities.observe({ activity, outcome }, seconds);
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    allows: (authorization) => tokenMatches(sources.token, authorization),
  };
}

/** What the gauges show; a source that fails leaves its gauges out of this scrape (and says so once in the log). */
async function readState(sources: MetricsOptions): Promise<State> {
  const failed = (what: string) => (error: unknown) => {
    log.warn('metrics: could not read a gauge\'s source', { what, error: error instanceof Error ? error.message : String(error) });
    return null;
  };
  const [accounts, outbox, reconcilerLastRunAt] = await Promise.all([
    sources.db ? countAllAccountsByStatus(sources.db).catch(failed('accounts')) : null,
    sources.db ? outboxBacklog(sources.db).catch(failed('outbox')) : null,
    sources.temporal ? reconcilerLastRun(sources.temporal, sources.reconcileScheduleId ?? RECONCILE_SCHEDULE_ID).catch(failed('reconcile schedule')) : null,
  ]);
  return { accounts, outbox, reconcilerLastRunAt };
}

/** When the reconcile schedule last started a run (its creation, if it has not yet); null without the schedule. */
async function reconcilerLastRun(temporal: Client, scheduleId: string): Promise<Date | null> {
  try {
    const schedule = await temporal.schedule.getHandle(scheduleId).describe();
    return schedule.info.recentActions.at(-1)?.takenAt ?? schedule.info.createdAt;
  } catch (error) {
    if (error instanceof Error && error.name === 'ScheduleNotFoundError') return null;
    throw error;
  }
}

function tokenMatches(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
