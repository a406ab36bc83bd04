// What the API, the schedules and the activities share with the health workflows
// (workflows/healthScoring.ts, workflows/healthRescorer.ts), without loading them.
import { defineQuery } from '@temporalio/workflow';

/** The Temporal Schedule that scores one organisation nightly. */
export const healthScheduleId = (orgId: string): string => `health-${orgId}`;

/**
 * Every scoring run of an organisation starts with this prefix: the schedule appends its start time,
 * "Score now" a random part. The API finds an organisation's runs by it, and never another's.
 */
export const healthRunIdPrefix = (orgId: string): string => `health-run-${orgId}-`;

/** The one rescorer of every organisation's changed accounts (a system job, like the reconciler). */
export const HEALTH_RESCORER_WORKFLOW_ID = 'relay-health-rescorer';

export type HealthRunTrigger = 'schedule' | 'manual';

export interface HealthScoringInput {
  orgId: string;
  trigger: HealthRunTrigger;
  /** Accounts per activity: each batch is read, scored and written in one go, idempotently. */
  batchSize?: number;
  /** Batches in flight at once. */
  concurrency?: number;
}

export interface HealthRunProgress {
  status: 'running' | 'completed';
  /** Accounts scored so far, and how many the run found to score (non-churned, as it started). */
  scored: number;
  total: number;
  /** Accounts that went into At risk or Critical, and that came back to Healthy, in this run. */
  wentAtRisk: number;
  recovered: number;
}

export type HealthScoringResult = HealthRunProgress;

export const healthRunProgressQuery = defineQuery<HealthRunProgress>('progress');

/** The workflow's signature, for starting it by name (schedules, the API) without loading its code. */
export type HealthScoringWorkflow = (input: HealthScoringInput) => Promise<HealthScoringResult>;

export interface HealthRescorerInput {
  /** How long an account's change settles before it is rescored (ms): a burst of events costs one scoring. */
  settleMs?: number;
  /** How long the rescorer sleeps when nothing is waiting (ms). */
  idleMs?: number;
  /** Accounts per batch. */
  batchSize?: number;
  /** Only these organisations' accounts (a test's own rescorer); every organisation when absent. */
  orgIds?: string[];
  /** Carried across continue-as-new, for the Web UI's sake. */
  rescoredSoFar?: number;
}

export type HealthRescorerWorkflow = (input: HealthRescorerInput) => Promise<void>;
