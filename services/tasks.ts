import { z } from 'zod';
import type { Database } from '../db/client.ts';
import { addTask, findTask, listOpenTasks, updateTask, type TaskActor, type TaskOwnerFilter } from '../db/repositories/accountWork.ts';
import { getAccount } from '../db/repositories/accounts.ts';
import { findUserByEmail, findUserById } from '../db/repositories/users.ts';
import { DATE_RANGE, isSaneDate } from '../domain/accountInput.ts';
import { dayOf } from '../domain/milestonePlan.ts';
import { priorityRank, TASK_PRIORITIES, type TaskPriority } from '../domain/taskPriority.ts';
import { RelayError } from './errors.ts';

// Tasks with an owner and a priority (issue 14): who a task is for is a user of the organisation,
// by default the account's CSM; "My tasks" lists one person's open tasks across every account.

interface TaskDeps { db: Database }

export const taskPrioritySchema = z.enum(TASK_PRIORITIES, { error: `priority must be one of ${TASK_PRIORITIES.join(', ')}` });

/** A user of the org by ID or email; the API and the forms say who a task is for this way. */
const assigneeRef = z.string({ error: 'assignee must be a user ID or email' }).trim()
  .min(1, 'assignee must be a user ID or email').max(320, 'assignee is at most 320 characters');

/** PATCH /api/tasks/:id and the account page's task form: what may change. `assignee: null` leaves it to the account's CSM. */
export const taskChangeSchema = z.object({
  assignee: assigneeRef.nullable().optional(),
  priority: taskPrioritySchema.optional(),
}).strict().refine((v) => v.assignee !== undefined || v.priority !== undefined, { message: 'send assignee, priority or both', path: ['(body)'] });

/** POST /api/tasks: a new task on an account. */
export const newTaskSchema = z.object({
  accountId: z.string({ error: 'accountId is required' }).trim().min(1, 'accountId is required').max(100, 'accountId is too long'),
  title: z.string({ error: 'title is required' }).trim().min(1, 'title is required').max(300, 'title is at most 300 characters'),
  dueDate: z.string({ error: 'dueDate must be a date (YYYY-MM-DD)' }).trim()
    .refine(isSaneDate, `dueDate must be a real date (YYYY-MM-DD) between ${DATE_RANGE.from} and ${DATE_RANGE.to}`).nullable().optional(),
  assignee: assigneeRef.nullable().optional(),
  priority: taskPrioritySchema.optional(),
}).strict();

const isEmail = (ref: string) => ref.includes('@');

/** The org's user a reference names, or a 422 naming `field`: someone from another org is as unknown as a made-up one. */
async function resolveAssignee(db: Database, orgId: string, ref: string, field = 'assignee') {
  const user = isEmail(ref) ? await findUserByEmail(db, orgId, ref) : await findUserById(db, orgId, ref);
  if (!user) {
    throw new RelayError('unprocessable', 'the assignee is not a user of this organisation', {
      fields: [{ field, message: `no user of this organisation has the ${isEmail(ref) ? 'email' : 'ID'} ${ref}` }],
    });
  }
  return user;
}

/** Adds a task; without an assignee it goes to the account's CSM (none yet: unassigned, and it follows the CSM once chosen). */
export async function createTask(deps: TaskDeps, orgId: string, input: {
  accountId: string; title: string; dueDate?: string | null | undefined; assignee?: string | null | undefined; priority?: TaskPriority | undefined;
}, actor: TaskActor): Promise<{ id: string }> {
  const account = await getAccount(deps.db, orgId, input.accountId);
  if (!account) throw new RelayError('not_found', 'no such account');
  const assignee = input.assignee
    ? await resolveAssignee(deps.db, orgId, input.assignee)
    : account.csmUserId ? await findUserById(deps.db, orgId, account.csmUserId) : null;
  return addTask(deps.db, orgId, account.id, {
    title: input.title, dueDate: input.dueDate ?? null, assigneeUserId: assignee?.id ?? null, assigneeName: assignee?.name ?? null,
    priority: input.priority ?? 'normal',
  }, actor);
}

/** Changes a task's assignee and/or priority; 'unchanged' when it already was so. The task's account ID comes back for redirects. */
export async function changeTask(deps: TaskDeps, orgId: string, taskId: string, change: z.infer<typeof taskChangeSchema>, actor: string):
  Promise<{ accountId: string; outcome: 'updated' | 'unchanged' }> {
  const task = await findTask(deps.db, orgId, taskId);
  if (!task) throw new RelayError('not_found', 'no such task');
  const nameOf = async (userId: string | null) => (userId ? (await findUserById(deps.db, orgId, userId))?.name ?? 'someone' : 'the account\'s CSM');
  let assigneeUserId: string | null | undefined;
  let after = '';
  if (change.assignee === null) {
    assigneeUserId = null;
    after = 'the account\'s CSM';
  } else if (change.assignee !== undefined) {
    const user = await resolveAssignee(deps.db, orgId, change.assignee);
    assigneeUserId = user.id;
    after = user.name;
  }
  const outcome = await updateTask(deps.db, orgId, taskId, {
    assigneeUserId, priority: change.priority, words: { assigneeBefore: await nameOf(task.assigneeUserId), assigneeAfter: after },
  }, actor);
  if (outcome === 'not_found') throw new RelayError('not_found', 'no such task');
  return { accountId: task.accountId, outcome };
}

/** The task's account, for the tick-off path that completes it (and its playbook action). */
export async function taskAccountId(deps: TaskDeps, orgId: string, taskId: string): Promise<string | null> {
  return (await findTask(deps.db, orgId, taskId))?.accountId ?? null;
}

export const TASK_GROUPS = ['overdue', 'today', 'upcoming', 'no_date'] as const;
export type TaskGroup = (typeof TASK_GROUPS)[number];

export type OpenTask = Omit<Awaited<ReturnType<typeof listOpenTasks>>[number], 'total'> & { group: TaskGroup };

/** The open tasks shown (at most OPEN_TASKS_LIMIT, the most pressing) and how many are open in all. */
export interface OpenTaskList { tasks: OpenTask[]; total: number }

/** At most this many open tasks on one page or answer: a person's list, not an export. */
export const OPEN_TASKS_LIMIT = 500;

/** Which group a due date puts a task in on `today` (YYYY-MM-DD, UTC like every due date). */
export function taskGroup(dueDate: string | null, today: string): TaskGroup {
  if (dueDate === null) return 'no_date';
  if (dueDate < today) return 'overdue';
  return dueDate === today ? 'today' : 'upcoming';
}

/**
 * Open tasks, in "My tasks" order: overdue, today, upcoming, no date; within each, the most pressing
 * priority first, then the soonest due, then the oldest. At most OPEN_TASKS_LIMIT of them, the soonest
 * due; `total` says how many are open in all, so a longer list is never cut without saying so.
 */
export async function openTasks(deps: TaskDeps, orgId: string, filter: { owner: TaskOwnerFilter; accountId?: string | undefined }, now: Date): Promise<OpenTaskList> {
  const today = dayOf(now);
  const rows = await listOpenTasks(deps.db, orgId, { ...filter, limit: OPEN_TASKS_LIMIT });
  const tasks = rows.map(({ total: _total, ...r }) => ({ ...r, group: taskGroup(r.dueDate, today) }))
    .sort((a, b) => TASK_GROUPS.indexOf(a.group) - TASK_GROUPS.indexOf(b.group)
      || priorityRank(a.priority) - priorityRank(b.priority)
      || (a.dueDate ?? '').localeCompare(b.dueDate ?? '')
      || a.createdAt.getTime() - b.createdAt.getTime());
  return { tasks, total: rows[0]?.total ?? 0 };
}

/** `assignee` as the API and the page take it: `me` (a signed-in person), `all`, `unassigned`, or a user's ID or email. */
export async function ownerFilter(deps: TaskDeps, orgId: string, assignee: string | undefined, me: string | null): Promise<TaskOwnerFilter> {
  if (assignee === undefined || assignee === 'me') {
    if (!me) {
      throw new RelayError('validation', 'assignee=me needs a signed-in person: an API key belongs to the organisation', {
        fields: [{ field: 'assignee', message: 'an API key is no one in particular: pass a user ID or email, unassigned or all' }],
      });
    }
    return { userId: me };
  }
  if (assignee === 'all' || assignee === 'unassigned') return assignee;
  return { userId: (await resolveAssignee(deps.db, orgId, assignee)).id };
}
