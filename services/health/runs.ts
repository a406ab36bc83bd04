import { randomUUID } from 'node:crypto';
import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  healthRunIdPrefix, healthRunProgressQuery, type HealthRunProgress, type HealthScoringResult, type HealthScoringWorkflow,
} from '../../workflows/healthDefinitions.ts';
import { RelayError, workflowEngineUnavailable } from '../errors.ts';

export interface HealthRunDeps { temporal: Client; taskQueue: string }

/** "Score now": a scoring run of the organisation's accounts, like the nightly one, started at once. */
export async function startHealthRun(deps: HealthRunDeps, orgId: string): Promise<{ id: string }> {
  const id = `${healthRunIdPrefix(orgId)}manual-${randomUUID()}`;
  try {
    await deps.temporal.workflow.start<HealthScoringWorkflow>('healthScoring', {
      workflowId: id, taskQueue: deps.taskQueue, args: [{ orgId, trigger: 'manual' }], workflowExecutionTimeout: '6 hours',
    });
  } catch (error) {
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
  return { id };
}

/** A run's progress: asked of the running workflow, or read from its result once it has finished. */
export async function healthRunProgress(deps: HealthRunDeps, orgId: string, id: string): Promise<HealthRunProgress> {
  // Another organisation's run is as unknown as no run at all.
  if (!id.startsWith(healthRunIdPrefix(orgId))) throw new RelayError('not_found', 'no such health scoring run');
  const handle = deps.temporal.workflow.getHandle<HealthScoringWorkflow>(id);
  try {
    const { status } = await handle.describe();
    if (status.name === 'COMPLETED') return await handle.result() as HealthScoringResult;
    if (status.name === 'RUNNING') return await handle.query(healthRunProgressQuery);
    throw new RelayError('conflict', `the scoring run ended without finishing (${status.name.toLowerCase()})`);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new RelayError('not_found', 'no such health scoring run');
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
}
