import { and, asc, count, desc, eq, inArray, min, ne } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { outboxEmails, type EmailStatus } from '../schema/index.ts';

export async function findOutboxEmailByKey(db: Queryable, idempotencyKey: string) {
  const [row] = await db.select().from(outboxEmails).where(eq(outboxEmails.idempotencyKey, idempotencyKey));
  return row ?? null;
}

export async function listOutbox(db: Queryable, orgId: string, filter: { accountId?: string | undefined; limit: number }) {
  const where = filter.accountId
    ? and(eq(outboxEmails.orgId, orgId), eq(outboxEmails.accountId, filter.accountId))
    : eq(outboxEmails.orgId, orgId);
  return db.select({
    id: outboxEmails.id, accountId: outboxEmails.accountId, kind: outboxEmails.kind, to: outboxEmails.toAddresses,
    subject: outboxEmails.subject, links: outboxEmails.links, status: outboxEmails.status,
    provider: outboxEmails.provider, createdAt: outboxEmails.createdAt,
  }).from(outboxEmails).where(where).orderBy(desc(outboxEmails.createdAt)).limit(filter.limit);
}

/** The account's emails of these kinds, oldest first (what a restarted run must not send again). */
export async function listAccountEmailsOfKinds(db: Queryable, orgId: string, accountId: string, kinds: string[]) {
  if (!kinds.length) return [];
  return db.select({ kind: outboxEmails.kind, status: outboxEmails.status, createdAt: outboxEmails.createdAt }).from(outboxEmails)
    .where(and(eq(outboxEmails.orgId, orgId), eq(outboxEmails.accountId, accountId), inArray(outboxEmails.kind, kinds)))
    .orderBy(asc(outboxEmails.createdAt), asc(outboxEmails.id));
}

type NewOutboxEmail = Omit<typeof outboxEmails.$inferInsert, 'id' | 'createdAt'>;

/** Records an email before it is handed to the mailer; a second record of the same key is ignored. */
export async function insertOutboxEmail(db: Queryable, email: NewOutboxEmail): Promise<string> {
  const id = newId();
  await db.insert(outboxEmails).values({ id, ...email }).onConflictDoNothing({ target: outboxEmails.idempotencyKey });
  return id;
}

/** What the mailer made of the email: held, sent (with the provider's ID) or failed (with its reason). */
export async function setOutboxEmailOutcome(
  db: Queryable, idempotencyKey: string,
  outcome: { status: EmailStatus; providerMessageId?: string | null; error?: string | null },
): Promise<void> {
  await db.update(outboxEmails).set({
    status: outcome.status, error: outcome.error ?? null,
    ...(outcome.providerMessageId === undefined ? {} : { providerMessageId: outcome.providerMessageId }),
  }).where(eq(outboxEmails.idempotencyKey, idempotencyKey));
}

/** The dev outbox spans organisations on purpose: it exists only on a developer's machine, without a mail provider. */
export async function listHeldEmails(db: Queryable, limit: number) {
  return db.select().from(outboxEmails).where(eq(outboxEmails.status, 'held')).orderBy(desc(outboxEmails.createdAt)).limit(limit);
}

export async function findHeldEmail(db: Queryable, id: string) {
  const [row] = await db.select().from(outboxEmails).where(and(eq(outboxEmails.id, id), eq(outboxEmails.status, 'held')));
  return row ?? null;
}

/**
 * Emails not yet handed over, per status, and the age of the oldest one still sending or failed,
 * across every organisation: the operator's gauge (/metrics), not a request of one organisation.
 */
export async function outboxBacklog(db: Queryable): Promise<{ counts: Record<Exclude<EmailStatus, 'sent'>, number>; oldestUnsentAt: Date | null }> {
  const rows = await db.select({ status: outboxEmails.status, n: count(), oldest: min(outboxEmails.createdAt) }).from(outboxEmails)
    .where(ne(outboxEmails.status, 'sent')).groupBy(outboxEmails.status);
  const counts = { held: 0, sending: 0, failed: 0 };
  let oldestUnsentAt: Date | null = null;
  for (const row of rows) {
    if (row.status === 'sent') continue;
    counts[row.status] = row.n;
    // Held emails wait for no one (no provider configured: the outbox is the delivery).
    if (row.status !== 'held' && row.oldest && (!oldestUnsentAt || row.oldest < oldestUnsentAt)) oldestUnsentAt = row.oldest;
  }
  return { counts, oldestUnsentAt };
}
