import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { loginTokens, organisations, sessions, users } from '../schema/index.ts';

/** Users with this email, in every organisation they belong to (a person may work for two). */
export async function findUsersByEmailAcrossOrganisations(db: Queryable, email: string) {
  return db.select({ id: users.id, orgId: users.orgId, email: users.email, name: users.name, orgName: organisations.name })
    .from(users).innerJoin(organisations, eq(organisations.id, users.orgId)).where(eq(users.email, email.toLowerCase()));
}

export async function insertLoginToken(db: Queryable, row: { orgId: string; userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
  await db.insert(loginTokens).values({ id: newId(), ...row });
}

/** Marks a sign-in link used and returns whose it was; null when unknown, used or expired. */
export async function consumeLoginToken(db: Queryable, tokenHash: string) {
  const [row] = await db.update(loginTokens).set({ usedAt: sql`now()` })
    .where(and(eq(loginTokens.tokenHash, tokenHash), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, sql`now()`)))
    .returning({ orgId: loginTokens.orgId, userId: loginTokens.userId });
  return row ?? null;
}

export async function insertSession(db: Queryable, row: { orgId: string; userId: string; tokenHash: string; csrfToken: string; expiresAt: Date }): Promise<void> {
  await db.insert(sessions).values({ id: newId(), ...row });
}

export async function findLiveSession(db: Queryable, tokenHash: string) {
  const [row] = await db.select({
    sessionId: sessions.id, csrfToken: sessions.csrfToken,
    user: { id: users.id, orgId: users.orgId, email: users.email, name: users.name, role: users.role },
  }).from(sessions).innerJoin(users, and(eq(users.id, sessions.userId), eq(users.orgId, sessions.orgId)))
    .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)));
  return row ?? null;
}

export async function revokeSession(db: Queryable, sessionId: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(eq(sessions.id, sessionId));
}
