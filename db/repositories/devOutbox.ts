import { desc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { outboxEmails } from '../schema/index.ts';

/** The dev outbox spans organisations on purpose: it exists only on a developer's machine, without a mail provider. */
export async function listHeldEmails(db: Queryable, limit: number) {
  return db.select().from(outboxEmails).where(eq(outboxEmails.status, 'held')).orderBy(desc(outboxEmails.createdAt)).limit(limit);
}
