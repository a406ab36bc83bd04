import {
  ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, type Client, type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { Database } from '../../db/client.ts';
import { listOrganisationHealthSchedules } from '../../db/repositories/health.ts';
import type { HealthConfig } from '../../domain/health.ts';
import { log } from '../../platform/log.ts';
import {
  HEALTH_RESCORER_WORKFLOW_ID, healthRunIdPrefix, healthScheduleId, type HealthRescorerWorkflow, type HealthScoringWorkflow,
} from '../../workflows/healthDefinitions.ts';

/**
 * The organisation's nightly scoring as a Temporal Schedule (`health-<orgId>`), at its chosen hour
 * in its timezone. Ops see, pause and trigger it in the Web UI; a pause they set is kept. Policies,
 * chosen on purpose:
 * - overlap SKIP: a run still going when the next is due means the machine is behind; a second run
 *   scoring the same accounts would only slow both;
 * - catch-up window 6 hours: a server down at the scheduled hour scores once when it is back that
 *   night, but a server down for days does not replay a night per day missed (one run scores all).
 */
export async function ensureHealthSchedule(
  temporal: Client, opts: { orgId: string; schedule: HealthConfig['schedule']; taskQueue: string },
): Promise<'created' | 'updated'> {
  const scheduleId = healthScheduleId(opts.orgId);
  const spec = { calendars: [{ hour: opts.schedule.hour, minute: 0 }], timezone: opts.schedule.timezone };
  const action: ScheduleOptionsStartWorkflowAction<HealthScoringWorkflow> = {
    type: 'startWorkflow', workflowType: 'healthScoring', args: [{ orgId: opts.orgId, trigger: 'schedule' }],
    // The schedule appends each start's time.
    workflowId: healthRunIdPrefix(opts.orgId).slice(0, -1), taskQueue: opts.taskQueue,
    workflowExecutionTimeout: '6 hours',
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '6 hours' };
  try {
    await temporal.schedule.create<HealthScoringWorkflow>({
      scheduleId, spec, action, policies, memo: { orgId: opts.orgId },
      state: { note: 'Nightly health scoring (Relay). Change the hour and timezone in Relay\'s settings.' },
    });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await temporal.schedule.getHandle(scheduleId).update<HealthScoringWorkflow>((previous) => ({
    spec, action, policies, state: { paused: previous.state.paused, ...(previous.state.note ? { note: previous.state.note } : {}) },
  }));
  return 'updated';
}

/**
 * The rescorer of changed accounts: one long-running workflow for every organisation, started if it
 * is not running (a second start finds the running one). Safe to call at every start-up.
 */
export async function ensureHealthRescorer(temporal: Client, opts: { taskQueue: string }): Promise<'started' | 'running'> {
  try {
    await temporal.workflow.start<HealthRescorerWorkflow>('healthRescorer', {
      workflowId: HEALTH_RESCORER_WORKFLOW_ID, taskQueue: opts.taskQueue, args: [{}],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'running';
    throw error;
  }
}

/** Every organisation's schedule and the rescorer, brought in line: `npm start`, worker start-up, `temporal:setup`. */
export async function ensureHealthWorkflows(deps: { db: Database; temporal: Client; taskQueue: string }): Promise<{ schedules: number }> {
  const orgs = await listOrganisationHealthSchedules(deps.db);
  for (const org of orgs) await ensureHealthSchedule(deps.temporal, { ...org, taskQueue: deps.taskQueue });
  await ensureHealthRescorer(deps.temporal, { taskQueue: deps.taskQueue });
  log.info('health schedules in place', { schedules: orgs.length });
  return { schedules: orgs.length };
}
