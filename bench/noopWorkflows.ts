/**
 * Bench-only workflows (bench/onboarding.bench.ts): the floor Relay's onboarding is measured against,
 * on the same Temporal server and with the same worker settings. They do nothing but the Temporal
 * round trips of their shape: four ordinary activities one after the other (Relay's onboarding today:
 * record → milestones → draft → handoff email), or one local activity. The activities have
 * the retry policy and timeout of Relay's projections (workflows/accountLifecycle.ts), so the
 * commands the server sees are the same kind. Never registered on Relay's worker. Each run tells the
 * bench it is done through a sink (called once the run's last workflow task is computed, no server
 * round trip of its own), so the bench times completions without asking the server.
 */
import { proxyActivities, proxyLocalActivities, proxySinks, type Sinks } from '@temporalio/workflow';

export interface NoopActivities {
  /** Does nothing and returns. */
  noopStep(step: number): Promise<void>;
}

const options = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
} as const;
const ordinary = proxyActivities<NoopActivities>(options);
const local = proxyLocalActivities<NoopActivities>(options);

export interface NoopSinks extends Sinks {
  bench: { done(): void };
}
const { bench } = proxySinks<NoopSinks>();

/** noop-4: four ordinary activities in sequence, then done. */
export async function noopFourActivities(): Promise<void> {
  for (let step = 1; step <= 4; step++) await ordinary.noopStep(step);
  bench.done();
}

/** noop-1-local: one local activity, then done. */
export async function noopOneLocalActivity(): Promise<void> {
  await local.noopStep(1);
  bench.done();
}
