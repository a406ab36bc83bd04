import { ApplicationFailure } from '@temporalio/activity';
import { isDatabaseRejection } from '../db/errors.ts';
import { FAILURE_TYPES } from '../workflows/definitions.ts';

/**
 * Every activity goes through this: when the database refuses the statement itself (bad data such
 * as a NUL byte, a broken constraint), retrying would run the same statement into the same refusal
 * forever and jam the account's run behind it. Such a failure is final (non-retryable, with the
 * database's reason); the workflow handles it and the account stays workable. A database that is
 * merely down keeps the ordinary retries, which last until it is back.
 */
export function withFinalDatabaseRejections<A extends unknown[], R>(activity: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async function activityWithFinalDatabaseRejections(...args: A): Promise<R> {
    try {
      return await activity(...args);
    } catch (error) {
      if (error instanceof ApplicationFailure || !isDatabaseRejection(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw ApplicationFailure.create({ type: FAILURE_TYPES.databaseRejected, message: `the database refused this change: ${reason}`, nonRetryable: true, cause: error instanceof Error ? error : undefined });
    }
  };
}
