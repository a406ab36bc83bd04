import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { isUniqueViolation } from '../errors.ts';
import { newId } from '../ids.ts';
import { savedViews } from '../schema/index.ts';

export type SavedView = typeof savedViews.$inferSelect;

/** The views a person sees: the organisation's shared ones, then their own, each by name. */
export async function listVisibleViews(db: Queryable, orgId: string, userId: string): Promise<SavedView[]> {
  return db.select().from(savedViews)
    .where(and(eq(savedViews.orgId, orgId), or(isNull(savedViews.ownerUserId), eq(savedViews.ownerUserId, userId))))
    .orderBy(sql`${savedViews.ownerUserId} is not null`, asc(sql`lower(${savedViews.name})`), asc(savedViews.id));
}

export async function getView(db: Queryable, orgId: string, viewId: string): Promise<SavedView | null> {
  const [row] = await db.select().from(savedViews).where(and(eq(savedViews.orgId, orgId), eq(savedViews.id, viewId)));
  return row ?? null;
}

/**
 * Saves a view. Saving a name already used among the same person's views (or among the shared ones)
 * replaces that view's query, so submitting the form twice is one view, not two.
 */
export async function saveView(db: Queryable, input: { orgId: string; ownerUserId: string | null; name: string; query: string; createdBy: string }): Promise<SavedView> {
  const owner = input.ownerUserId === null ? isNull(savedViews.ownerUserId) : eq(savedViews.ownerUserId, input.ownerUserId);
  const sameName = and(eq(savedViews.orgId, input.orgId), owner, sql`lower(${savedViews.name}) = lower(${input.name})`);
  const replace = async () => (await db.update(savedViews).set({ query: input.query, name: input.name }).where(sameName).returning())[0];
  const replaced = await replace();
  if (replaced) return replaced;
  try {
    const [row] = await db.insert(savedViews).values({ id: newId(), ...input }).returning();
    return row!;
  } catch (error) {
    // Saved at the same moment by another request: the unique index settled it, so this one replaces.
    if (!isUniqueViolation(error)) throw error;
    return (await replace())!;
  }
}

export async function deleteView(db: Queryable, orgId: string, viewId: string): Promise<boolean> {
  const deleted = await db.delete(savedViews).where(and(eq(savedViews.orgId, orgId), eq(savedViews.id, viewId))).returning({ id: savedViews.id });
  return deleted.length > 0;
}
