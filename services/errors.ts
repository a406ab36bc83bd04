import type { FieldError } from '../domain/accountInput.ts';

/**
 * The closed set of ways a request can fail on purpose. api/errors.tsx maps each to its HTTP status
 * (the only place that knows them); anything else that escapes is an internal error (500).
 */
export const ERROR_CODES = [
  'validation', // 400: the request itself is wrong; `fields` names each bad field
  'unauthorized', // 401
  'forbidden', // 403
  'not_found', // 404: no such thing in the caller's organisation
  'conflict', // 409: well-formed, but not possible for this record now
  'gone', // 410
  'unprocessable', // 422: well-formed, but it names something the organisation does not have (a task's assignee); `fields` names it
  'payload_too_large', // 413
  'rate_limited', // 429
  'unavailable', // 503: a dependency is down; nothing was changed, try again
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetails {
  fields?: FieldError[];
  existingAccountId?: string;
  candidates?: string[];
}

/** The one error type a request can end in; the API's error handler turns it into `{ error: {...} }`. */
export class RelayError extends Error {
  override name = 'RelayError';
  constructor(readonly code: ErrorCode, message: string, readonly details: ErrorDetails = {}) {
    super(message);
  }
}

/**
 * The workflow engine did not answer (down, unreachable, overloaded). What the caller was doing
 * was not done, and can be tried again: a 503, never a 500.
 */
export function workflowEngineUnavailable(cause: unknown): RelayError {
  const error = new RelayError('unavailable', 'Relay cannot reach its workflow engine right now; nothing was changed. Try again in a moment.');
  error.cause = cause;
  return error;
}
