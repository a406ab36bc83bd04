import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { accounts, handoffs } from '../schema/index.ts';

/** The token is the AE's only credential, so this lookup is by its hash alone; it yields the org. */
export async function findHandoffByTokenHash(db: Queryable, tokenHash: string) {
  const [row] = await db.select({ handoff: handoffs, account: accounts }).from(handoffs)
    .innerJoin(accounts, and(eq(accounts.id, handoffs.accountId), eq(accounts.orgId, handoffs.orgId)))
    .where(eq(handoffs.tokenHash, tokenHash));
  return row ?? null;
}
