import { createHash } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { TASK_PRIORITY_LABELS, type TaskPriority } from '../../domain/taskPriority.ts';
import { accounts, contacts, notes, tasks, users } from '../schema/index.ts';
import { enqueueRescore } from './health.ts';
import { recordTimelineEvent } from './timeline.ts';

// The CSM's own work on an account: tasks, extra contacts, notes. Each write lands in the account's
// timeline in the same transaction, so the activity feed never shows something that was not kept
// (nor misses something that was). Actors are user emails, as in every other timeline event.

export interface Actor { userId: string; email: string }
/** Who adds or ticks off a task: a person, or an integration through the API (no user). */
export interface TaskActor { userId: string | null; email: string }

/** Open tasks first (soonest due first, undated last), then completed ones, most recent first. */
export async function listTasks(db: Queryable, orgId: string, accountId: string) {
  return db.select({
    id: tasks.id, title: tasks.title, dueDate: tasks.dueDate, completedAt: tasks.completedAt, createdAt: tasks.createdAt,
    assigneeUserId: tasks.assigneeUserId, assigneeName: users.name, priority: tasks.priority,
  }).from(tasks)
    .leftJoin(users, and(eq(users.id, tasks.assigneeUserId), eq(users.orgId, tasks.orgId)))
    .where(and(eq(tasks.orgId, orgId), eq(tasks.accountId, accountId)))
    .orderBy(sql`${tasks.completedAt} is not null`, asc(tasks.dueDate), desc(tasks.completedAt), asc(tasks.createdAt), asc(tasks.id));
}

/**
 * `assigneeUserId` must be a user of the org (the caller checks: services/tasks.ts); `assigneeName`
 * only words the timeline entry.
 */
export async function addTask(db: Queryable, orgId: string, accountId: string, input: {
  title: string; dueDate: string | null; assigneeUserId?: string | null; assigneeName?: string | null; priority?: TaskPriority;
}, actor: TaskActor) {
  const id = newId();
  const priority = input.priority ?? 'normal';
  await db.transaction(async (tx) => {
    await tx.insert(tasks).values({
      id, orgId, accountId, title: input.title, dueDate: input.dueDate, createdByUserId: actor.userId, assigneeUserId: input.assigneeUserId ?? null, priority,
    });
    await recordTimelineEvent(tx, {
      orgId, accountId, type: 'task_created', actor: actor.email, dedupeKey: `task:${id}:created`,
      message: `Task added${input.assigneeName ? ` for ${input.assigneeName}` : ''}: ${input.title}${input.dueDate ? ` (due ${input.dueDate})` : ''}${priority === 'normal' ? '' : ` · ${TASK_PRIORITY_LABELS[priority]} priority`}`,
      data: { taskId: id, dueDate: input.dueDate, assigneeUserId: input.assigneeUserId ?? null, priority },
    });
    // Overdue tasks are a health input.
    await enqueueRescore(tx, orgId, [accountId]);
  });
  return { id };
}

/** 'not_found' for another account's (or org's) task; 'already_completed' when someone got there first. */
export async function completeTask(db: Queryable, orgId: string, accountId: string, taskId: string, actor: TaskActor): Promise<'completed' | 'already_completed' | 'not_found'> {
  return db.transaction(async (tx) => {
    const [done] = await tx.update(tasks).set({ completedAt: new Date() })
      .where(and(eq(tasks.orgId, orgId), eq(tasks.accountId, accountId), eq(tasks.id, taskId), isNull(tasks.completedAt)))
      .returning({ title: tasks.title });
    if (!done) {
      const [existing] = await tx.select({ id: tasks.id }).from(tasks)
        .where(and(eq(tasks.orgId, orgId), eq(tasks.accountId, accountId), eq(tasks.id, taskId)));
      return existing ? 'already_completed' : 'not_found';
    }
    await recordTimelineEvent(tx, {
      orgId, accountId, type: 'task_completed', actor: actor.email, dedupeKey: `task:${taskId}:completed`,
      message: `Task completed: ${done.title}`, data: { taskId },
    });
    await enqueueRescore(tx, orgId, [accountId]);
    return 'completed';
  });
}

export async function listContacts(db: Queryable, orgId: string, accountId: string) {
  return db.select({ id: contacts.id, name: contacts.name, email: contacts.email, role: contacts.role, createdAt: contacts.createdAt })
    .from(contacts)
    .where(and(eq(contacts.orgId, orgId), eq(contacts.accountId, accountId)))
    .orderBy(asc(contacts.createdAt), asc(contacts.id));
}

/** Emails are stored lowercased; the same person twice on one account is refused rather than listed twice. */
export async function addContact(db: Queryable, orgId: string, accountId: string, input: { name: string; email: string; role: string | null }, actor: Actor): Promise<{ id: string } | 'duplicate'> {
  const email = input.email.toLowerCase();
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: contacts.id }).from(contacts)
      .where(and(eq(contacts.orgId, orgId), eq(contacts.accountId, accountId), eq(contacts.email, email)));
    if (existing) return 'duplicate' as const;
    const id = newId();
    await tx.insert(contacts).values({ id, orgId, accountId, name: input.name, email, role: input.role });
    await recordTimelineEvent(tx, {
      orgId, accountId, type: 'contact_added', actor: actor.email, dedupeKey: `contact:${id}:added`,
      message: `Contact added: ${input.name}${input.role ? ` (${input.role})` : ''}`,
      data: { contactId: id, email },
    });
    return { id };
  });
}

export async function listNotes(db: Queryable, orgId: string, accountId: string) {
  return db.select({ id: notes.id, body: notes.body, createdAt: notes.createdAt, authorName: users.name, authorEmail: users.email })
    .from(notes)
    .innerJoin(users, and(eq(users.id, notes.authorUserId), eq(users.orgId, notes.orgId)))
    .where(and(eq(notes.orgId, orgId), eq(notes.accountId, accountId)))
    .orderBy(desc(notes.createdAt), desc(notes.id));
}

export async function addNote(db: Queryable, orgId: string, accountId: string, body: string, actor: Actor) {
  const id = newId();
  await db.transaction(async (tx) => {
    await tx.insert(notes).values({ id, orgId, accountId, authorUserId: actor.userId, body });
    const firstLine = body.split('\n').find((l) => l.trim())?.trim() ?? '';
    await recordTimelineEvent(tx, {
      orgId, accountId, type: 'note', actor: actor.email, dedupeKey: `note:${id}:added`,
      // The timeline shows plain text: a short excerpt of the markdown as typed, never rendered HTML.
      message: `Note added: ${firstLine.length > 120 ? `${firstLine.slice(0, 117)}…` : firstLine}`,
      data: { noteId: id },
    });
  });
  return { id };
}

/** Per account: its tasks, those still open, and those open past their due date (before `today`). Accounts without tasks are absent. */
export async function taskCountsByAccount(db: Queryable, orgId: string, accountIds: string[], today: string): Promise<Map<string, { total: number; open: number; overdue: number }>> {
  if (!accountIds.length) return new Map();
  const rows = await db.select({
    accountId: tasks.accountId,
    total: sql<number>`count(*)::int`,
    open: sql<number>`(count(*) filter (where ${tasks.completedAt} is null))::int`,
    overdue: sql<number>`(count(*) filter (where ${tasks.completedAt} is null and ${tasks.dueDate} < ${today}::date))::int`,
  }).from(tasks).where(and(eq(tasks.orgId, orgId), inArray(tasks.accountId, accountIds))).groupBy(tasks.accountId);
  return new Map(rows.map((r) => [r.accountId, { total: Number(r.total), open: Number(r.open), overdue: Number(r.overdue) }]));
}

// ---- tasks a playbook action puts on the list (issue 12) ---------------------------------------------

/**
 * The ID of the task an action puts on its account's task list: derived from the account and the
 * action (UUID-shaped, like every other task ID), so a retried activity finds the task it made.
 */
export function actionTaskId(accountId: string, actionId: string): string {
  const hex = createHash('sha256').update(`relay:action-task:${accountId}:${actionId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Puts the action's task on the account's list once, whatever the retries; the timeline names whom it
 * is for (the account's CSM). Run inside the caller's transaction. True when this call created it.
 */
export async function addActionTask(db: Queryable, orgId: string, accountId: string, input: {
  actionId: string; title: string; dueDate: string | null; assignee: string | null; assigneeUserId?: string | null; actor: string;
}): Promise<boolean> {
  const id = actionTaskId(accountId, input.actionId);
  const [created] = await db.insert(tasks).values({ id, orgId, accountId, title: input.title, dueDate: input.dueDate, createdByUserId: null, assigneeUserId: input.assigneeUserId ?? null })
    .onConflictDoNothing({ target: tasks.id }).returning({ id: tasks.id });
  if (!created) return false;
  await recordTimelineEvent(db, {
    orgId, accountId, type: 'task_created', actor: input.actor, dedupeKey: `task:${id}:created`,
    message: `Task added${input.assignee ? ` for ${input.assignee}` : ''}: ${input.title}${input.dueDate ? ` (due ${input.dueDate})` : ''}`,
    data: { taskId: id, dueDate: input.dueDate, actionId: input.actionId },
  });
  await enqueueRescore(db, orgId, [accountId]);
  return true;
}

/** Closes the action's task when the action is done (completed or skipped); nothing when there is none or it is closed. */
export async function closeActionTask(db: Queryable, orgId: string, accountId: string, input: { actionId: string; actor: string; why: 'completed' | 'skipped' }): Promise<boolean> {
  const id = actionTaskId(accountId, input.actionId);
  const [done] = await db.update(tasks).set({ completedAt: new Date() })
    .where(and(eq(tasks.orgId, orgId), eq(tasks.accountId, accountId), eq(tasks.id, id), isNull(tasks.completedAt)))
    .returning({ title: tasks.title });
  if (!done) return false;
  await recordTimelineEvent(db, {
    orgId, accountId, type: 'task_completed', actor: input.actor, dedupeKey: `task:${id}:completed`,
    message: input.why === 'completed' ? `Task completed: ${done.title}` : `Task closed (the playbook action was skipped): ${done.title}`,
    data: { taskId: id, actionId: input.actionId },
  });
  await enqueueRescore(db, orgId, [accountId]);
  return true;
}

/** The task an action put on the list, if any (the playbook card links them). */
export async function findActionTask(db: Queryable, orgId: string, accountId: string, actionId: string) {
  const [row] = await db.select({ id: tasks.id, title: tasks.title, dueDate: tasks.dueDate, completedAt: tasks.completedAt }).from(tasks)
    .where(and(eq(tasks.orgId, orgId), eq(tasks.accountId, accountId), eq(tasks.id, actionTaskId(accountId, actionId))));
  return row ?? null;
}

// ---- tasks across accounts: "My tasks" and the task API (issue 14) ----------------------------------

/** Whose open tasks: one user's (theirs, and the unassigned ones of accounts they are CSM of), nobody's, or everyone's. */
export type TaskOwnerFilter = { userId: string } | 'unassigned' | 'all';

/**
 * Open tasks of the org's accounts, with their account's name and the assignee's name. A task with no
 * assignee counts as its account's CSM's, so nothing made before a CSM was chosen falls through.
 */
export async function listOpenTasks(db: Queryable, orgId: string, filter: { owner: TaskOwnerFilter; accountId?: string | undefined; limit: number }) {
  const owner = filter.owner;
  const ownerCondition = owner === 'all' ? undefined
    : owner === 'unassigned' ? and(isNull(tasks.assigneeUserId), isNull(accounts.csmUserId))
      : or(eq(tasks.assigneeUserId, owner.userId), and(isNull(tasks.assigneeUserId), eq(accounts.csmUserId, owner.userId)));
  return db.select({
    id: tasks.id, title: tasks.title, dueDate: tasks.dueDate, priority: tasks.priority, createdAt: tasks.createdAt,
    accountId: tasks.accountId, accountName: accounts.companyName, accountStatus: accounts.status,
    assigneeUserId: sql<string | null>`coalesce(${tasks.assigneeUserId}, ${accounts.csmUserId})`, assigneeName: users.name, assigneeEmail: users.email,
    // Every open task the filter matches, counted before the limit (the same scan the sort needs).
    total: sql<number>`(count(*) over ())::int`,
  }).from(tasks)
    .innerJoin(accounts, and(eq(accounts.id, tasks.accountId), eq(accounts.orgId, tasks.orgId)))
    .leftJoin(users, and(eq(users.id, sql`coalesce(${tasks.assigneeUserId}, ${accounts.csmUserId})`), eq(users.orgId, tasks.orgId)))
    .where(and(eq(tasks.orgId, orgId), isNull(tasks.completedAt), ownerCondition, filter.accountId ? eq(tasks.accountId, filter.accountId) : undefined))
    .orderBy(sql`${tasks.dueDate} asc nulls last`, asc(tasks.createdAt), asc(tasks.id))
    .limit(filter.limit);
}

/** One task of the org with its account, or null (another org's task is as absent as a made-up ID). */
export async function findTask(db: Queryable, orgId: string, taskId: string) {
  const [row] = await db.select({
    id: tasks.id, accountId: tasks.accountId, title: tasks.title, dueDate: tasks.dueDate, priority: tasks.priority,
    assigneeUserId: tasks.assigneeUserId, completedAt: tasks.completedAt, accountCsmUserId: accounts.csmUserId,
  }).from(tasks)
    .innerJoin(accounts, and(eq(accounts.id, tasks.accountId), eq(accounts.orgId, tasks.orgId)))
    .where(and(eq(tasks.orgId, orgId), eq(tasks.id, taskId)));
  return row ?? null;
}

/**
 * Sets a task's assignee and/or priority, with a timeline entry naming each change; nothing (and no
 * entry) when nothing changes, so a repeated request is harmless. The caller checked the assignee.
 */
export async function updateTask(db: Queryable, orgId: string, taskId: string, change: {
  assigneeUserId?: string | null | undefined; priority?: TaskPriority | undefined;
  /** Words for the timeline: the assignee before and after (names). */
  words: { assigneeBefore: string; assigneeAfter: string };
}, actor: string): Promise<'updated' | 'unchanged' | 'not_found'> {
  return db.transaction(async (tx) => {
    const [task] = await tx.select({ accountId: tasks.accountId, title: tasks.title, assigneeUserId: tasks.assigneeUserId, priority: tasks.priority })
      .from(tasks).where(and(eq(tasks.orgId, orgId), eq(tasks.id, taskId))).for('update');
    if (!task) return 'not_found' as const;
    const set: { assigneeUserId?: string | null; priority?: TaskPriority } = {};
    const lines: string[] = [];
    if (change.assigneeUserId !== undefined && change.assigneeUserId !== task.assigneeUserId) {
      set.assigneeUserId = change.assigneeUserId;
      lines.push(`assignee ${change.words.assigneeBefore} → ${change.words.assigneeAfter}`);
    }
    if (change.priority !== undefined && change.priority !== task.priority) {
      set.priority = change.priority;
      lines.push(`priority ${TASK_PRIORITY_LABELS[task.priority]} → ${TASK_PRIORITY_LABELS[change.priority]}`);
    }
    if (!lines.length) return 'unchanged' as const;
    await tx.update(tasks).set(set).where(and(eq(tasks.orgId, orgId), eq(tasks.id, taskId)));
    await recordTimelineEvent(tx, {
      orgId, accountId: task.accountId, type: 'task_updated', actor, dedupeKey: `task:${taskId}:updated:${newId()}`,
      message: `Task "${task.title}": ${lines.join('; ')}`,
      data: { taskId, before: { assigneeUserId: task.assigneeUserId, priority: task.priority }, after: { assigneeUserId: set.assigneeUserId ?? task.assigneeUserId, priority: set.priority ?? task.priority } },
    });
    return 'updated' as const;
  });
}
