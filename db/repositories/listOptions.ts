import { asc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { users } from '../schema/index.ts';
import { listTemplates } from './templates.ts';

/** Everyone in the org who can hold accounts, for the list's CSM filter (admins work accounts too). */
export async function listAccountOwnerOptions(db: Queryable, orgId: string) {
  return db.select({ id: users.id, name: users.name, email: users.email, role: users.role }).from(users)
    .where(eq(users.orgId, orgId)).orderBy(asc(users.name), asc(users.email));
}

/** The choices the accounts list's filter form offers: the org's templates and people. */
export async function listAccountFilterOptions(db: Queryable, orgId: string) {
  const [templates, owners] = await Promise.all([listTemplates(db, orgId), listAccountOwnerOptions(db, orgId)]);
  return { templates: templates.map((t) => ({ id: t.id, name: t.name })), owners };
}

export type AccountFilterOptions = Awaited<ReturnType<typeof listAccountFilterOptions>>;
