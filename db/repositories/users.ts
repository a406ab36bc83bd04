import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../client.ts';
import { isUniqueViolation } from '../errors.ts';
import { newId } from '../ids.ts';
import { sessions, users, type UserRole } from '../schema/index.ts';

export async function listUsersByRole(db: Queryable, orgId: string, role: UserRole) {
  return db.select({ id: users.id, email: users.email, name: users.name }).from(users)
    .where(and(eq(users.orgId, orgId), eq(users.role, role))).orderBy(asc(users.name));
}

/** Everyone in the organisation by email and name (how pages name the people behind events). */
export async function listUserNames(db: Queryable, orgId: string) {
  return db.select({ email: users.email, name: users.name }).from(users).where(eq(users.orgId, orgId)).orderBy(asc(users.email));
}

export async function findUserById(db: Queryable, orgId: string, userId: string) {
  const [row] = await db.select().from(users).where(and(eq(users.orgId, orgId), eq(users.id, userId)));
  return row ?? null;
}

export async function findUserByEmail(db: Queryable, orgId: string, email: string) {
  const [row] = await db.select().from(users).where(and(eq(users.orgId, orgId), eq(users.email, email.toLowerCase())));
  return row ?? null;
}

/** Everyone in the organisation, admins first, with when each last signed in (null: never). */
export async function listUsersWithLastSignIn(db: Queryable, orgId: string) {
  return db.select({
    id: users.id, email: users.email, name: users.name, role: users.role, createdAt: users.createdAt,
    lastSignInAt: sql<Date | null>`max(${sessions.createdAt})`.mapWith((v: string | Date | null) => (v === null ? null : new Date(v))),
  }).from(users)
    .leftJoin(sessions, and(eq(sessions.userId, users.id), eq(sessions.orgId, users.orgId)))
    .where(eq(users.orgId, orgId))
    .groupBy(users.id)
    .orderBy(asc(users.role), asc(users.name));
}

export type InviteUserResult = { outcome: 'created'; user: typeof users.$inferSelect } | { outcome: 'email_taken' };

export async function insertUser(db: Queryable, orgId: string, input: { email: string; name: string; role: UserRole }): Promise<InviteUserResult> {
  try {
    const [user] = await db.insert(users).values({ id: newId(), orgId, email: input.email.toLowerCase(), name: input.name, role: input.role }).returning();
    if (!user) throw new Error('user was not saved');
    return { outcome: 'created', user };
  } catch (error) {
    if (isUniqueViolation(error)) return { outcome: 'email_taken' };
    throw error;
  }
}

export type RoleChangeResult = { outcome: 'changed' | 'unchanged' } | { outcome: 'last_admin' } | { outcome: 'not_found' };

/**
 * Locks the organisation's admin rows first, so two admins demoting each other at the same moment
 * are serialised and the organisation is never left without an admin.
 */
export async function changeUserRole(db: Database, orgId: string, userId: string, role: UserRole): Promise<RoleChangeResult> {
  return db.transaction(async (tx): Promise<RoleChangeResult> => {
    const admins = await tx.select({ id: users.id }).from(users)
      .where(and(eq(users.orgId, orgId), eq(users.role, 'admin'))).for('update');
    const [target] = await tx.select({ role: users.role }).from(users).where(and(eq(users.orgId, orgId), eq(users.id, userId))).for('update');
    if (!target) return { outcome: 'not_found' };
    if (target.role === role) return { outcome: 'unchanged' };
    if (target.role === 'admin' && admins.length <= 1) return { outcome: 'last_admin' };
    await tx.update(users).set({ role }).where(and(eq(users.orgId, orgId), eq(users.id, userId)));
    return { outcome: 'changed' };
  });
}

/** Several people at once, with IDs chosen by the caller (an organisation's first admin and CSMs). */
export async function insertUsers(db: Queryable, orgId: string, people: { id: string; email: string; name: string; role: UserRole }[]): Promise<void> {
  if (people.length) await db.insert(users).values(people.map((p) => ({ ...p, orgId })));
}
