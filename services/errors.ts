import type { FieldError } from '../domain/accountInput.ts';

export const ERROR_CODES = {
  validation: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error type a request can end in; the API's error handler turns it into `{ error: {...} }`. */
export class RelayError extends Error {
  override name = 'RelayError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { fields?: FieldError[]; existingAccountId?: string; candidates?: string[] } = {},
  ) {
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
