import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { timelineEvents, type TimelineEventType } from '../schema/index.ts';
import { touchAccountActivity } from './accounts.ts';

export interface TimelineEntry {
  orgId: string;
  accountId: string;
  type: TimelineEventType;
  actor: string;
  message: string;
  data?: Record<string, unknown>;
  dedupeKey: string;
}

/** Records an event once per dedupe key, and marks the account as touched. */
export async function recordTimelineEvent(db: Queryable, entry: TimelineEntry): Promise<void> {
  const inserted = await db.insert(timelineEvents).values({
    id: newId(), orgId: entry.orgId, accountId: entry.accountId, type: entry.type, actor: entry.actor,
    message: entry.message, data: entry.data ?? {}, dedupeKey: entry.dedupeKey,
  }).onConflictDoNothing({ target: timelineEvents.dedupeKey }).returning({ id: timelineEvents.id });
  if (inserted.length) {
    await touchAccountActivity(db, entry.orgId, entry.accountId);
  }
}

export async function listTimeline(db: Queryable, orgId: string, accountId: string) {
  return db.select({
    type: timelineEvents.type, actor: timelineEvents.actor, message: timelineEvents.message,
    data: timelineEvents.data, occurredAt: timelineEvents.occurredAt,
  }).from(timelineEvents)
    .where(and(eq(timelineEvents.orgId, orgId), eq(timelineEvents.accountId, accountId)))
    .orderBy(desc(timelineEvents.occurredAt), desc(timelineEvents.id));
}
