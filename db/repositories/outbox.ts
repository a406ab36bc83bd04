import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { outboxEmails } from '../schema/index.ts';

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

export async function getOutboxEmail(db: Queryable, orgId: string, id: string) {
  const [row] = await db.select().from(outboxEmails).where(and(eq(outboxEmails.orgId, orgId), eq(outboxEmails.id, id)));
  return row ?? null;
}
