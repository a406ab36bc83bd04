import { isDeepStrictEqual } from 'node:util';
import { ServiceError, type Client } from '@temporalio/client';
import type { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { currentHealthConfig, insertHealthConfigVersion } from '../../db/repositories/health.ts';
import { fieldErrors, type FieldError } from '../../domain/accountInput.ts';
import { healthConfigSchema, type HealthConfig } from '../../domain/health.ts';
import { log } from '../../platform/log.ts';
import { RelayError } from '../errors.ts';
import { ensureHealthSchedule } from './schedules.ts';

export interface HealthConfigDeps { db: Database; temporal: Client; taskQueue: string }

/**
 * What a save did. `schedule` says whether the Temporal Schedule (`health-<orgId>`) now runs at the
 * saved hour and timezone ('applied'), or could not be told because Temporal did not answer
 * ('pending': the worker's next start brings every schedule in line, services/health/schedules.ts).
 */
export interface SavedHealthConfig {
  version: number;
  config: HealthConfig;
  /** false: the configuration equals the one in force, so no version was made. */
  changed: boolean;
  schedule: 'applied' | 'pending';
  /** The answer in words, for the API and the settings page alike. */
  message: string;
}

/** Long enough for a create and an update of the schedule; short enough that a save never hangs on an outage. */
const SCHEDULE_WITHIN_MS = 3_000;

/** zod's own wording ("Too big: expected number to be <=100") turned into what an admin reads beside a field. */
const readableIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'too_big': return issue.origin === 'array' ? `at most ${String(issue.maximum)} bands` : `must be at most ${String(issue.maximum)}`;
    case 'too_small': return issue.origin === 'array' ? `needs at least ${String(issue.minimum)} band` : `must be at least ${String(issue.minimum)}`;
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'number') return 'must be a number';
      if (issue.expected === 'array') return 'must be a list of bands';
      if (issue.expected === 'object') return 'must be an object';
      return `must be ${issue.expected === 'string' ? 'text' : `of type ${issue.expected}`}`;
    default: return undefined;
  }
};

/** Checks a whole configuration; a bad one is a 400 naming each field by its path (`factors.meetings.bands.2.atLeast`). */
function parseHealthConfig(input: unknown): HealthConfig {
  const parsed = healthConfigSchema.safeParse(input, { error: readableIssue });
  if (parsed.success) return parsed.data;
  const fields: FieldError[] = fieldErrors(parsed.error);
  throw new RelayError('validation', 'the health configuration has invalid fields; nothing was saved', { fields });
}

const hourWords = (schedule: HealthConfig['schedule']) => `${String(schedule.hour).padStart(2, '0')}:00 ${schedule.timezone}`;

/**
 * Saves an organisation's health configuration as its next version, then points its nightly
 * schedule at the saved hour and timezone.
 *
 * A save that changes nothing makes no version: the version in force stays (its number is what
 * scores record, so a new number with the same rules would only make two versions look different).
 * The schedule is still brought in line, so saving again repairs one a Temporal outage left behind.
 *
 * The version is stored first, and kept when Temporal does not answer: the configuration is the
 * organisation's, the schedule only follows it, and `ensureHealthWorkflows` at the worker's next
 * start reads every organisation's schedule from the database.
 */
export async function saveHealthConfig(
  deps: HealthConfigDeps, orgId: string, input: unknown, opts: { userId: string | null },
): Promise<SavedHealthConfig> {
  const config = parseHealthConfig(input);
  const current = await currentHealthConfig(deps.db, orgId);
  const changed = !isDeepStrictEqual(config, current.config);
  const version = changed ? await insertHealthConfigVersion(deps.db, orgId, config, opts.userId) : current.version;

  let schedule: SavedHealthConfig['schedule'] = 'applied';
  try {
    await deps.temporal.withDeadline(Date.now() + SCHEDULE_WITHIN_MS, () => ensureHealthSchedule(deps.temporal, { orgId, schedule: config.schedule, taskQueue: deps.taskQueue }));
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    schedule = 'pending';
    log.warn('health schedule not updated: Temporal did not answer', { orgId, version, error: error.message });
  }

  return { version, config, changed, schedule, message: healthConfigSavedMessage({ version, changed, schedule, hours: config.schedule }) };
}

/** What a save did, in words: the API's `message`, and the settings page's notice after its redirect. */
export function healthConfigSavedMessage(saved: { version: number; changed: boolean; schedule: SavedHealthConfig['schedule']; hours: HealthConfig['schedule'] }): string {
  const what = saved.changed ? `Saved as version ${saved.version}.` : `No changes: version ${saved.version} stays in force.`;
  const when = saved.schedule === 'applied'
    ? `Nightly scoring runs at ${hourWords(saved.hours)}.`
    : `Relay could not reach its workflow engine, so the nightly scoring will move to ${hourWords(saved.hours)} when the worker next starts.`;
  return `${what} ${when}`;
}
