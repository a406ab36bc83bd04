import { and, count, desc, eq, gte } from 'drizzle-orm';
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

/** How many events of one type the account recorded since `since` (e.g. its run's restarts in the last day). */
export async function countTimelineEventsSince(db: Queryable, orgId: string, accountId: string, type: TimelineEventType, since: Date): Promise<number> {
  const [row] = await db.select({ n: count() }).from(timelineEvents)
    .where(and(eq(timelineEvents.orgId, orgId), eq(timelineEvents.accountId, accountId), eq(timelineEvents.type, type), gte(timelineEvents.occurredAt, since)));
  return row?.n ?? 0;
}

/** Whether the event with this dedupe key is recorded already (a step that must happen once). */
export async function timelineEventRecorded(db: Queryable, orgId: string, dedupeKey: string): Promise<boolean> {
  const [row] = await db.select({ id: timelineEvents.id }).from(timelineEvents)
    .where(and(eq(timelineEvents.orgId, orgId), eq(timelineEvents.dedupeKey, dedupeKey)));
  return Boolean(row);
}
