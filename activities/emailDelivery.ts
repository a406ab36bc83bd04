import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import { findOutboxEmailByKey } from '../db/repositories/outbox.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { outboxEmails } from '../db/schema/index.ts';
import { EmailDeliveryError } from '../integrations/email/deliveryError.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import type { RenderedEmail } from '../ui/emails/handoffEmails.tsx';

export interface EmailToDeliver extends RenderedEmail {
  orgId: string;
  accountId: string | null;
  kind: string;
  to: string[];
  idempotencyKey: string;
}

/**
 * Records the email in the outbox, then hands it to the mailer with the same idempotency key.
 * A retry finds the row: a delivered email is not sent again, an undelivered one is retried and
 * the provider's own idempotency check covers a send that succeeded before we could record it.
 */
export async function deliverEmail(db: Database, mailer: Mailer, email: EmailToDeliver): Promise<{ outboxId: string; sentNow: boolean }> {
  const existing = await findOutboxEmailByKey(db, email.idempotencyKey);
  if (existing && (existing.status === 'sent' || existing.status === 'held')) return { outboxId: existing.id, sentNow: false };
  const outboxId = existing?.id ?? newId();
  if (!existing) {
    await db.insert(outboxEmails).values({
      id: outboxId, orgId: email.orgId, accountId: email.accountId, idempotencyKey: email.idempotencyKey, kind: email.kind,
      toAddresses: email.to, subject: email.subject, html: email.html, text: email.text, links: email.links,
      status: 'sending', provider: mailer.provider,
    }).onConflictDoNothing({ target: outboxEmails.idempotencyKey });
  }
  try {
    const receipt = await mailer.deliver({ to: email.to, subject: email.subject, html: email.html, text: email.text, idempotencyKey: email.idempotencyKey });
    await db.update(outboxEmails).set({ status: receipt.status, providerMessageId: receipt.providerMessageId, error: null })
      .where(eq(outboxEmails.idempotencyKey, email.idempotencyKey));
  } catch (error) {
    await db.update(outboxEmails).set({ status: 'failed', error: error instanceof Error ? error.message : String(error) })
      .where(eq(outboxEmails.idempotencyKey, email.idempotencyKey));
    throw asRetryDecision(error);
  }
  return { outboxId, sentNow: true };
}

/**
 * A provider rejection (bad address, bad sender) stops the retries with the provider's message; a
 * rate limit retries after the delay the provider asked for; anything else uses the retry policy.
 */
function asRetryDecision(error: unknown): unknown {
  if (!(error instanceof EmailDeliveryError)) return error;
  if (!error.retryable) return ApplicationFailure.create({ type: 'EmailRejected', message: error.message, nonRetryable: true, cause: error });
  return ApplicationFailure.create({
    type: 'EmailDeliveryFailed', message: error.message, cause: error,
    ...(error.retryAfterMs === null ? {} : { nextRetryDelay: error.retryAfterMs }),
  });
}

export interface AccountEmailOutcome { outboxId: string | null; sentNow: boolean; rejectedBecause: string | null }

/**
 * For an account workflow's steps: a message the provider will never accept (a mistyped AE address,
 * say) is kept on the outbox row and shown in the account's timeline, and the run goes on: a
 * rejected notification must not fail the account's whole lifecycle. Passing failures still throw,
 * so the activity's retry policy handles them.
 */
export async function deliverAccountEmail(db: Database, mailer: Mailer, email: EmailToDeliver & { accountId: string }): Promise<AccountEmailOutcome> {
  try {
    const delivered = await deliverEmail(db, mailer, email);
    return { ...delivered, rejectedBecause: null };
  } catch (error) {
    if (!(error instanceof ApplicationFailure) || error.type !== 'EmailRejected') throw error;
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
