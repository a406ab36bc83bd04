import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { FAILURE_TYPES, type FailureType, type LifecycleState } from '../workflows/definitions.ts';
import { RelayError, workflowEngineUnavailable, type ErrorCode } from './errors.ts';

function applicationFailureOf(error: unknown): ApplicationFailure | null {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure) return e;
  }
  return null;
}

/**
 * What a refused update means to the caller, by the failure's type. A validator's refusal (a plain
 * Error, "this handoff has already been submitted") and every type not listed is a conflict: the
 * request was well-formed but came at the wrong time for this account.
 */
const UPDATE_FAILURE_CODES: Partial<Record<FailureType, ErrorCode>> = {
  [FAILURE_TYPES.csmNotInOrganisation]: 'validation',
};

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
      const code = (failure?.type && UPDATE_FAILURE_CODES[failure.type as FailureType]) || 'conflict';
      throw new RelayError(code, message, code === 'validation' ? { fields: [{ field: fieldOnCsmError, message }] } : {});
    }
    // The run has ended (completed or churned accounts finish theirs): nothing is left to change.
    if (error instanceof WorkflowNotFoundError) throw new RelayError('conflict', "this account's lifecycle has ended");
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
}
