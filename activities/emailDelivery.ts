import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import { findOutboxEmailByKey } from '../db/repositories/outbox.ts';
import { outboxEmails } from '../db/schema/index.ts';
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
    throw error;
  }
  return { outboxId, sentNow: true };
}
