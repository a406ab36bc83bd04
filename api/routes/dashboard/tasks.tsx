import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { listUsersWithLastSignIn } from '../../../db/repositories/users.ts';
import { fieldErrors } from '../../../domain/accountInput.ts';
import { dayOf } from '../../../domain/milestonePlan.ts';
import { completeAccountTask } from '../../../services/accountActions.ts';
import { RelayError } from '../../../services/errors.ts';
import { changeTask, openTasks, ownerFilter, taskAccountId, taskPrioritySchema } from '../../../services/tasks.ts';
import { MyTasksPage } from '../../../ui/pages/MyTasksPage.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { readFormBody } from '../../middleware/storableInput.ts';
import { flashCookie, setFlash, type Flash } from './accountFlash.ts';

/**
 * "My tasks" (issue 14) at /tasks: the signed-in person's open tasks across every account, ticked
 * off here through the account page's own path (which also completes the playbook action behind a
 * task). Admins may look at anyone's. POST /tasks/:id changes a task's assignee and priority (the
 * account page's task forms post here). Forms post and redirect back; no script needed.
 */

const PAGE = '/tasks';
const pageFlash = flashCookie('relay_tasks_flash', PAGE);

/** `assignee`: me, all, unassigned or a user ID; only admins may pick someone else. */
const querySchema = z.object({ assignee: z.string().trim().max(100, 'assignee: not a person of this organisation').optional() });

const changeFormSchema = z.object({
  assignee: z.string().trim().max(100, 'choose someone from the list').optional().transform((v) => (v ? v : null)),
  priority: taskPrioritySchema,
  returnTo: z.enum(['account', 'tasks']).optional(),
});

const pagePath = (picked: string) => (picked && picked !== 'me' ? `${PAGE}?assignee=${encodeURIComponent(picked)}` : PAGE);

export function tasksRoutes(deps: AppDeps) {
  type TasksContext = Context<DashboardEnv>;

  const back = (c: TasksContext, picked: string, flash: Flash) => {
    pageFlash.set(c, flash, deps.secureCookies);
    return c.redirect(pagePath(picked), 303);
  };
  const takeFlash = (c: TasksContext): Flash | null => pageFlash.take(c);

  /** What a form posted, as text fields (the CSRF token left out). */
  const formValues = async (c: TasksContext): Promise<{ values: Record<string, string>; refused: Record<string, string> }> => {
    const { body, refused } = await readFormBody(c);
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(body)) if (typeof value === 'string' && key !== '_csrf') values[key] = value;
    return { values, refused };
  };

  /** A CSM's picks are ignored: they see their own tasks whatever the address says. */
  const pickedOf = (c: TasksContext, asked: string | undefined) => (c.get('user').role === 'admin' ? asked || 'me' : 'me');

  return new Hono<DashboardEnv>()
    .get('/', async (c) => {
      const user = c.get('user');
      const now = new Date();
      const people = user.role === 'admin' ? (await listUsersWithLastSignIn(deps.db, user.orgId)).map((u) => ({ id: u.id, name: u.name })) : null;
      const shell = { viewer: user, csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox, people, today: dayOf(now) };
      const parsed = querySchema.safeParse(c.req.query());
      const picked = pickedOf(c, parsed.success ? parsed.data.assignee : undefined);
      if (!parsed.success) return c.html(<MyTasksPage {...shell} tasks={null} picked="me" error={parsed.error.issues[0]?.message ?? 'Bad parameter.'} />, 400);
      try {
        const owner = await ownerFilter(deps, user.orgId, picked, user.id);
        const { tasks, total } = await openTasks(deps, user.orgId, { owner }, now);
        return c.html(<MyTasksPage {...shell} tasks={tasks} total={total} picked={picked} flash={takeFlash(c)} />);
      } catch (error) {
        if (!(error instanceof RelayError) || (error.code !== 'unprocessable' && error.code !== 'validation')) throw error;
        return c.html(<MyTasksPage {...shell} tasks={null} picked="me" error={`No such person in your organisation: ${picked}.`} />, 400);
      }
    })

    // Ticks a task off from this page, the same way the account page does.
    .post('/:taskId/complete', async (c) => {
      const user = c.get('user');
      const taskId = c.req.param('taskId');
      const { values } = await formValues(c);
      const picked = pickedOf(c, values.assignee);
      const accountId = await taskAccountId(deps, user.orgId, taskId);
      // Another organisation's task is as absent as a made-up one: the same 404.
      if (!accountId) throw new RelayError('not_found', 'There is no such task in your organisation.');
      try {
        const result = await completeAccountTask(deps, user.orgId, accountId, taskId, { userId: user.id, email: user.email });
        if (result === 'not_found') throw new RelayError('not_found', 'There is no such task in your organisation.');
        return back(c, picked, { kind: 'ok', message: result === 'completed' ? 'Task done.' : 'That task was already done.' });
      } catch (error) {
        if (!(error instanceof RelayError) || error.code === 'not_found') throw error;
        return back(c, picked, { kind: 'error', message: `Not done: ${error.message}` });
      }
    })

    // Assignee and priority, from the account page's task list (returnTo=account) or elsewhere.
    .post('/:taskId', async (c) => {
      const user = c.get('user');
      const taskId = c.req.param('taskId');
      const { values, refused } = await formValues(c);
      const parsed = changeFormSchema.safeParse(values);
      // The form offers only valid choices: anything else was not sent by it, so a plain 400 naming the field.
      const problems = [...Object.entries(refused).map(([field, message]) => ({ field, message })), ...(parsed.success ? [] : fieldErrors(parsed.error))];
      if (problems.length) {
        throw new RelayError('validation', `The task was not changed: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { fields: problems });
      }
      const accountId = await taskAccountId(deps, user.orgId, taskId);
      if (!accountId) throw new RelayError('not_found', 'There is no such task in your organisation.');
      const toAccount = values.returnTo === 'account';
      const reply = (flash: Flash) => {
        if (!toAccount) return back(c, 'me', flash);
        setFlash(c, flash, deps.secureCookies);
        return c.redirect(`/accounts/${encodeURIComponent(accountId)}#tasks`, 303);
      };
      if (!parsed.success) return reply({ kind: 'error', message: 'Not changed.' });
      try {
        const { outcome } = await changeTask(deps, user.orgId, taskId, { assignee: parsed.data.assignee, priority: parsed.data.priority }, user.email);
        return reply({ kind: 'ok', message: outcome === 'updated' ? 'Task updated.' : 'Nothing to change.' });
      } catch (error) {
        if (!(error instanceof RelayError) || error.code !== 'unprocessable') throw error;
        return reply({ kind: 'error', message: `Not changed: ${error.details.fields?.[0]?.message ?? error.message}` });
      }
    });
}
