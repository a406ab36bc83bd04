import {
  ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateStage,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { FAILURE_TYPES, type FailureType, type LifecycleState, type TimeBoundRequest } from '../workflows/definitions.ts';
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
  // Taken up too late (a busy or returning worker): nothing changed, and trying again is right.
  [FAILURE_TYPES.requestExpired]: 'unavailable',
};

export interface UpdateTimeouts {
  /** A worker must accept the update within this (ms), or the caller hears 503 and it never applies. */
  acceptWithinMs: number;
  /** Once accepted, wait this long (ms) for the outcome; past it the caller hears "accepted, will apply". */
  finishWithinMs: number;
}

export const DEFAULT_UPDATE_TIMEOUTS: UpdateTimeouts = { acceptWithinMs: 10_000, finishWithinMs: 30_000 };

/** How long before the caller stops waiting the workflow must have begun to accept an update. */
const ACCEPT_MARGIN_MS = 4_000;

/**
 * Sends an update to an account's workflow and waits for its answer, in bounded time:
 * - no worker accepts it in time (workers or Temporal down) → 503; the request carries `respondBy`,
 *   and the workflow's validator refuses it after that, so it can never apply after the caller gave up;
 * - accepted but not finished in time (say the database is down and its projection waits) → null:
 *   the change will apply, the caller says so (202);
 * - refused or failed → a RelayError the client can act on, with the workflow's own reason.
 */
export async function updateAccountWorkflow<Arg extends TimeBoundRequest>(
  temporal: Client, workflowId: string, update: UpdateDefinition<LifecycleState, [Arg]>, arg: Arg,
  opts: { fieldOnCsmError?: string; timeouts?: UpdateTimeouts | undefined } = {},
): Promise<LifecycleState | null> {
  const timeouts = opts.timeouts ?? DEFAULT_UPDATE_TIMEOUTS;
  const acceptBy = Date.now() + timeouts.acceptWithinMs;
  // The validator compares respondBy with the start of the workflow task that takes the update up,
  // and that task can take seconds to finish on a loaded worker: it must start a margin before we
  // stop waiting, or it could be accepted after we answered 503 (found by the chaos suite).
  const respondBy = acceptBy - Math.min(ACCEPT_MARGIN_MS, timeouts.acceptWithinMs / 3);
  try {
    const handle = await temporal.withDeadline(acceptBy, () => temporal.workflow.getHandle(workflowId).startUpdate(update, {
      args: [{ ...arg, respondBy }], waitForStage: WorkflowUpdateStage.ACCEPTED,
    }));
    try {
      return await temporal.withDeadline(Date.now() + timeouts.finishWithinMs, () => handle.result());
    } catch (error) {
      if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || error instanceof ServiceError) return null;
      throw error;
    }
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const failure = applicationFailureOf(error.cause);
      const message = failure?.message || error.cause?.message || error.message;
      const code = (failure?.type && UPDATE_FAILURE_CODES[failure.type as FailureType]) || 'conflict';
      throw new RelayError(code, message, code === 'validation' ? { fields: [{ field: opts.fieldOnCsmError ?? 'csmEmail', message }] } : {});
    }
    // The run has ended (completed or churned accounts finish theirs): nothing is left to change.
    if (error instanceof WorkflowNotFoundError) throw new RelayError('conflict', "this account's lifecycle has ended");
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      const unavailable = new RelayError('unavailable', 'Relay\'s workers did not pick this up in time; nothing was changed. Try again in a moment.');
      unavailable.cause = error;
      throw unavailable;
    }
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
}
