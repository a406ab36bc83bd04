import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import { findOutboxEmailByKey } from '../db/repositories/outbox.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { EmailDeliveryError } from '../integrations/email/deliveryError.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { deliverEmail, type EmailToDeliver } from '../services/emailDelivery.ts';
import { FAILURE_TYPES } from '../workflows/definitions.ts';

/**
 * What a mailer's failure means to the activity's retry policy: a provider rejection (bad address,
 * bad sender) stops the retries with the provider's message; a rate limit retries after the delay
 * the provider asked for; anything else is left to the policy.
 */
export function emailFailure(error: unknown): unknown {
  if (!(error instanceof EmailDeliveryError)) return error;
  if (!error.retryable) return ApplicationFailure.create({ type: FAILURE_TYPES.emailRejected, message: error.message, nonRetryable: true, cause: error });
  return ApplicationFailure.create({
    type: FAILURE_TYPES.emailDeliveryFailed, message: error.message, cause: error,
    ...(error.retryAfterMs === null ? {} : { nextRetryDelay: error.retryAfterMs }),
  });
}

export interface AccountEmailOutcome { outboxId: string | null; sentNow: boolean; rejectedBecause: string | null }

/**
 * For an account workflow's steps: a message the provider will never accept (a mistyped AE address,
 * say) is kept on the outbox row and shown in the account's timeline, and the run goes on: a
 * rejected notification must not fail the account's whole lifecycle. A passing failure still
 * throws, so the activity's retry policy handles it.
 */
export async function deliverAccountEmail(db: Database, mailer: Mailer, email: EmailToDeliver & { accountId: string }): Promise<AccountEmailOutcome> {
  try {
    const delivered = await deliverEmail(db, mailer, email);
    return { ...delivered, rejectedBecause: null };
  } catch (error) {
    if (!(error instanceof EmailDeliveryError) || error.retryable) throw emailFailure(error);
    const row = await findOutboxEmailByKey(db, email.idempotencyKey);
    await recordTimelineEvent(db, {
      orgId: email.orgId, accountId: email.accountId, type: 'email_failed', actor: 'relay',
      dedupeKey: `${email.idempotencyKey}:rejected`,
      message: `Email "${email.subject}" to ${email.to.join(', ')} was not delivered: ${error.message}`,
      data: { outboxId: row?.id ?? null, kind: email.kind },
    });
    return { outboxId: row?.id ?? null, sentNow: false, rejectedBecause: error.message };
  }
}
