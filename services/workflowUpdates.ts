import {
  ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateStage,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
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
/** After the accept deadline, one last look (the same update ID) before answering 503. */
const LAST_LOOK_MS = 1_500;

/**
 * The instants an update's caller works to, from when it is sent: the workflow refuses the update in
 * a workflow task that starts after `respondBy`; the API stops waiting for acceptance at `acceptBy`
 * and then takes one last look until `lastLookBy` before it answers 503. An update accepted after
 * `lastLookBy` would have been answered 503: the chaos suite checks that none is.
 */
export function updateDeadlines(sentAt: number, timeouts: UpdateTimeouts): { respondBy: number; acceptBy: number; lastLookBy: number } {
  const acceptBy = sentAt + timeouts.acceptWithinMs;
  return { respondBy: acceptBy - Math.min(ACCEPT_MARGIN_MS, timeouts.acceptWithinMs / 3), acceptBy, lastLookBy: acceptBy + LAST_LOOK_MS };
}

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
  opts: { fieldOnCsmError?: string; timeouts?: UpdateTimeouts | undefined; requestKey?: string | undefined } = {},
): Promise<LifecycleState | null> {
  const timeouts = opts.timeouts ?? DEFAULT_UPDATE_TIMEOUTS;
  // The validator compares respondBy with the start of the workflow task that takes the update up,
  // and that task can take seconds to finish on a loaded worker: it must start a margin before we
  // stop waiting, or it could be accepted after we answered 503 (found by the chaos suite).
  const { respondBy, acceptBy, lastLookBy } = updateDeadlines(Date.now(), timeouts);
  // One ID per request the caller means (its Idempotency-Key, the handoff form's submission ID): a
  // retry, or our own last look, attaches to the same update instead of sending a second one, and
  // Temporal answers a finished one with its outcome.
  const updateId = updateIdOf(update, opts.requestKey ?? randomUUID());
  const workflow = temporal.workflow.getHandle(workflowId);
  const start = (deadline: number) => temporal.withDeadline(deadline, () => workflow.startUpdate(update, {
    args: [{ ...arg, respondBy }], waitForStage: WorkflowUpdateStage.ACCEPTED, updateId,
  }));
  try {
    let handle;
    try {
      handle = await start(acceptBy);
    } catch (error) {
      // A workflow task that began before respondBy may still be finishing (a loaded worker): look
      // once more for this very update before telling the caller nothing changed. A task that starts
      // now refuses it (respondBy has passed), so this cannot make it apply.
      if (!(error instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw error;
      handle = await start(lastLookBy);
    }
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
      // Not "nothing was changed": a workflow task that began in time may still accept it. The same
      // request again (same Idempotency-Key or form) attaches to it and answers with its outcome.
      const unavailable = new RelayError('unavailable', 'Relay\'s workers did not take this change up in time. Send the same request again in a moment (with the same Idempotency-Key, if you sent one): it applies once, and the answer says how it went.');
      unavailable.cause = error;
      throw unavailable;
    }
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
}

const updateIdOf = (update: { name: string }, requestKey: string) => `${update.name}:${requestKey}`;

/**
 * The outcome of an update this request key already made, or null when it made none that succeeded
 * (never sent, refused, failed, or Temporal out of reach): how a retried handoff form whose link the
 * first try used up is answered with the first try's outcome.
 */
export async function earlierUpdateOutcome<Arg>(
  temporal: Client, workflowId: string, update: UpdateDefinition<LifecycleState, [Arg]>, requestKey: string,
): Promise<LifecycleState | null> {
  try {
    const handle = temporal.workflow.getHandle(workflowId).getUpdateHandle<LifecycleState>(updateIdOf(update, requestKey));
    return await temporal.withDeadline(Date.now() + 2_000, () => handle.result());
  } catch {
    return null;
  }
}
