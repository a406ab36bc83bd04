import { and, asc, desc, eq, inArray } from 'drizzle-orm';
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
