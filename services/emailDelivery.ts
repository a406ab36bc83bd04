import type { Database } from '../db/client.ts';
import { findOutboxEmailByKey, insertOutboxEmail, setOutboxEmailOutcome } from '../db/repositories/outbox.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import type { RenderedEmail } from '../ui/emails/EmailLayout.tsx';

export interface EmailToDeliver extends RenderedEmail {
  orgId: string;
  accountId: string | null;
  kind: string;
  to: string[];
  idempotencyKey: string;
}

/**
 * Records the email in the outbox, then hands it to the mailer with the same idempotency key.
 * A repeat finds the row: a delivered email is not sent again, an undelivered one is tried again and
 * the provider's own idempotency check covers a send that succeeded before we could record it.
 * A mailer failure is recorded on the row and rethrown as it came (an EmailDeliveryError says
 * whether retrying can help); what to do about it is the caller's business.
 */
export async function deliverEmail(db: Database, mailer: Mailer, email: EmailToDeliver): Promise<{ outboxId: string; sentNow: boolean }> {
  const existing = await findOutboxEmailByKey(db, email.idempotencyKey);
  if (existing && (existing.status === 'sent' || existing.status === 'held')) return { outboxId: existing.id, sentNow: false };
  const outboxId = existing?.id ?? await insertOutboxEmail(db, {
    orgId: email.orgId, accountId: email.accountId, idempotencyKey: email.idempotencyKey, kind: email.kind,
    toAddresses: email.to, subject: email.subject, html: email.html, text: email.text, links: email.links,
    status: 'sending', provider: mailer.provider,
  });
  try {
    const receipt = await mailer.deliver({ to: email.to, subject: email.subject, html: email.html, text: email.text, idempotencyKey: email.idempotencyKey });
    await setOutboxEmailOutcome(db, email.idempotencyKey, { status: receipt.status, providerMessageId: receipt.providerMessageId });
  } catch (error) {
    await setOutboxEmailOutcome(db, email.idempotencyKey, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  return { outboxId, sentNow: true };
}
