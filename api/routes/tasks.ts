import { Hono } from 'hono';
import { z } from 'zod';
import { findTask } from '../../db/repositories/accountWork.ts';
import { TASK_PRIORITIES } from '../../domain/taskPriority.ts';
import { completeAccountTask } from '../../services/accountActions.ts';
import { RelayError } from '../../services/errors.ts';
import { changeTask, createTask, newTaskSchema, openTasks, ownerFilter, TASK_GROUPS, taskChangeSchema } from '../../services/tasks.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { jsonBody, parseOrThrow } from '../validation.ts';

// Tasks across accounts (issue 14). An API key belongs to the organisation, not to a person, so
// `assignee=me` has no one to mean here: name the person by user ID or email (or all / unassigned).

const listQuerySchema = z.object({
  assignee: z.string().trim().min(1, 'assignee must be a user ID or email, all or unassigned').max(320, 'assignee is at most 320 characters').optional(),
  accountId: z.string().trim().min(1).max(100, 'accountId is too long').optional(),
});

const timestamp = z.date().transform((d) => d.toISOString());

/** One open task as GET /api/tasks lists it: its account, whom it is for (the account's CSM when no one is named), and its group. */
const openTaskResponse = z.object({
  id: z.string(), title: z.string(), dueDate: z.string().nullable(), priority: z.enum(TASK_PRIORITIES), group: z.enum(TASK_GROUPS),
  account: z.object({ id: z.string(), name: z.string() }),
  assignee: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
  createdAt: timestamp,
});
const openTaskListResponse = z.object({ items: z.array(openTaskResponse), total: z.number().int() });

/** A task after a create or a change. `assigneeUserId` null: the account's CSM's. */
const taskResponse = z.object({
  id: z.string(), accountId: z.string(), title: z.string(), dueDate: z.string().nullable(), priority: z.enum(TASK_PRIORITIES),
  assigneeUserId: z.string().nullable(), completedAt: timestamp.nullable(),
});

const API_ACTOR = { userId: null, email: 'api' };

export function taskRoutes(deps: AppDeps) {
  const answerTask = async (orgId: string, taskId: string) => {
    const task = await findTask(deps.db, orgId, taskId);
    if (!task) throw new RelayError('not_found', 'no such task');
    return taskResponse.parse(task);
  };

  return new Hono<ApiEnv>()
    /** Open tasks, most pressing first within overdue / today / upcoming / no date. */
    .get('/', async (c) => {
      const orgId = c.get('orgId');
      const query = parseOrThrow(listQuerySchema, c.req.query());
      const owner = await ownerFilter(deps, orgId, query.assignee ?? 'all', null);
      const { tasks, total } = await openTasks(deps, orgId, { owner, accountId: query.accountId }, new Date());
      return c.json(openTaskListResponse.parse({
        total,
        items: tasks.map((t) => ({
          ...t, account: { id: t.accountId, name: t.accountName },
          assignee: t.assigneeUserId && t.assigneeName && t.assigneeEmail ? { id: t.assigneeUserId, name: t.assigneeName, email: t.assigneeEmail } : null,
        })),
      }));
    })
    .post('/', async (c) => {
      const orgId = c.get('orgId');
      const input = parseOrThrow(newTaskSchema, await jsonBody(c.req));
      const { id } = await createTask(deps, orgId, input, API_ACTOR);
      return c.json(await answerTask(orgId, id), 201);
    })
    .patch('/:id', async (c) => {
      const orgId = c.get('orgId');
      const change = parseOrThrow(taskChangeSchema, await jsonBody(c.req));
      await changeTask(deps, orgId, c.req.param('id'), change, API_ACTOR.email);
      return c.json(await answerTask(orgId, c.req.param('id')));
    })
    /** Ticks a task off (and the playbook action behind it, if any); a second call answers the same. */
    .post('/:id/complete', async (c) => {
      const orgId = c.get('orgId');
      const task = await findTask(deps.db, orgId, c.req.param('id'));
      if (!task) throw new RelayError('not_found', 'no such task');
      await completeAccountTask(deps, orgId, task.accountId, task.id, API_ACTOR);
      return c.json(await answerTask(orgId, task.id));
    });
}
