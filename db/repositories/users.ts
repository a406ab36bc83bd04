import { and, asc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { users, type UserRole } from '../schema/index.ts';

export async function listUsersByRole(db: Queryable, orgId: string, role: UserRole) {
  return db.select({ id: users.id, email: users.email, name: users.name }).from(users)
    .where(and(eq(users.orgId, orgId), eq(users.role, role))).orderBy(asc(users.name));
}

export async function findUserById(db: Queryable, orgId: string, userId: string) {
  const [row] = await db.select().from(users).where(and(eq(users.orgId, orgId), eq(users.id, userId)));
  return row ?? null;
}

export async function findUserByEmail(db: Queryable, orgId: string, email: string) {
  const [row] = await db.select().from(users).where(and(eq(users.orgId, orgId), eq(users.email, email.toLowerCase())));
  return row ?? null;
}
