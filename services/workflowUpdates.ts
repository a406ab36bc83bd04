import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';

import { RelayError, workflowEngineUnavailable } from './errors.ts';
import { FAILURE_TYPES, type LifecycleState } from '../workflows/definitions.ts';

function applicationFailureOf(error: unknown): ApplicationFailure | null {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure) return e;
  }
  return null;
}

function isClosedWorkflow(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  const message = error instanceof Error ? error.message : '';
  return /workflow execution already completed|not found/i.test(message);
}

/**
 * Sends an update to an account's workflow and waits for its answer. A refused or failed update
 * becomes a RelayError the client can act on, with the workflow's own reason as the message.
 */
export async function updateAccountWorkflow<Arg>(
  temporal: Client, workflowId: string, update: UpdateDefinition<LifecycleState, [Arg]>, arg: Arg,
  fieldOnCsmError = 'csmEmail',
): Promise<LifecycleState> {
  try {
    return await temporal.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const failure = applicationFailureOf(error.cause);
      const message = failure?.message || error.cause?.message || error.message;
      if (failure?.type === FAILURE_TYPES.csmNotInOrganisation) {
        throw new RelayError('validation', message, { fields: [{ field: fieldOnCsmError, message }] });
      }
      throw new RelayError('conflict', message);
    }
    if (isClosedWorkflow(error)) throw new RelayError('conflict', "this account's lifecycle has ended");
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
}
