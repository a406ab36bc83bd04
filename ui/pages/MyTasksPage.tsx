import { daysBetween } from '../../domain/milestonePlan.ts';
import { TASK_PRIORITY_LABELS } from '../../domain/taskPriority.ts';
import type { OpenTask, TaskGroup } from '../../services/tasks.ts';
import { AppLayout, type Viewer } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import { plural } from '../format.ts';

export interface MyTasksPageProps {
  viewer: Viewer;
  csrfToken: string;
  devOutbox: boolean;
  /** Null when the query string was refused. */
  tasks: OpenTask[] | null;
  /** How many are open in all: more than `tasks` holds when the list was cut at its limit. */
  total?: number | undefined;
  /** Whose tasks (admins pick): 'me', 'all', 'unassigned' or a user ID. */
  picked: string;
  /** The organisation's people, for an admin's picker; null for a CSM (who sees their own). */
  people: { id: string; name: string }[] | null;
  /** Today (YYYY-MM-DD, UTC): what "overdue" and "today" are judged against. */
  today: string;
  flash?: { kind: 'ok' | 'error'; message: string } | null | undefined;
  error?: string | undefined;
}

const GROUP_TITLES: Record<TaskGroup, string> = { overdue: 'Overdue', today: 'Due today', upcoming: 'Upcoming', no_date: 'No due date' };
const GROUPS: TaskGroup[] = ['overdue', 'today', 'upcoming', 'no_date'];

function dueText(task: OpenTask, today: string): string {
  if (!task.dueDate) return 'no due date';
  if (task.group === 'overdue') {
    const late = daysBetween(task.dueDate, today);
    return `due ${task.dueDate} · ${plural(late, 'day')} late`;
  }
  return task.group === 'today' ? 'due today' : `due ${task.dueDate}`;
}

function TaskItem(p: { task: OpenTask; today: string; csrfToken: string; picked: string; showAssignee: boolean }) {
  const t = p.task;
  return (
    <li data-task-id={t.id} data-priority={t.priority}>
      <span>
        <strong>{t.title}</strong>
        {t.priority !== 'normal' ? <> <span class={`status priority-${t.priority}`}>{TASK_PRIORITY_LABELS[t.priority]}</span></> : null}
        {t.group === 'overdue' ? <> <span class="status status-overdue">Overdue</span></> : null}
        <br />
        <span class="small"><a href={`/accounts/${encodeURIComponent(t.accountId)}#tasks`}>{t.accountName}</a></span>
        <span class="muted small"> · {dueText(t, p.today)}{p.showAssignee ? ` · for ${t.assigneeName ?? 'no one yet (the account has no CSM)'}` : ''}</span>
      </span>
      <form method="post" action={`/tasks/${encodeURIComponent(t.id)}/complete`} class="task-done-form">
        <CsrfField token={p.csrfToken} />
        <input type="hidden" name="assignee" value={p.picked} />
        <button type="submit" class="secondary" aria-label={`Complete task ${t.title}`}>Done</button>
      </form>
    </li>
  );
}

/** "My tasks" (issue 14): open tasks across every account, by when they are due, the most pressing first. */
export function MyTasksPage(p: MyTasksPageProps) {
  const mine = p.picked === 'me';
  const whose = mine ? 'My tasks'
    : p.picked === 'all' ? 'Everyone\'s tasks'
      : p.picked === 'unassigned' ? 'Tasks of accounts without a CSM'
        : `Tasks of ${p.people?.find((u) => u.id === p.picked)?.name ?? 'someone'}`;
  const tasks = p.tasks ?? [];
  const total = p.total ?? tasks.length;
  return (
    <AppLayout title={whose} section="tasks" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head">
        <div>
          <h1>{whose}</h1>
          {p.tasks ? <span class="muted" data-open-count>{plural(total, 'open task')}</span> : null}
        </div>
        {p.people ? (
          <form method="get" action="/tasks" class="button-row" aria-label="Whose tasks">
            <label for="tasks-assignee" style="margin:0">Show</label>
            <select id="tasks-assignee" name="assignee" style="width:auto;max-width:100%">
              <option value="me" selected={mine}>My tasks</option>
              <option value="all" selected={p.picked === 'all'}>Everyone</option>
              <option value="unassigned" selected={p.picked === 'unassigned'}>No CSM yet</option>
              {p.people.map((u) => <option value={u.id} selected={u.id === p.picked}>{u.name}</option>)}
            </select>
            <button type="submit" class="secondary" style="margin:0">Show</button>
          </form>
        ) : null}
      </div>
      {p.flash ? <div class={`flash ${p.flash.kind}`} role={p.flash.kind === 'error' ? 'alert' : 'status'}>{p.flash.message}</div> : null}
      {p.error ? <div class="flash error" role="alert">{p.error} <a href="/tasks">Show my tasks</a></div> : null}
      {p.tasks && total > tasks.length ? (
        <p class="flash info" role="status" data-tasks-cut>
          Showing the {tasks.length} soonest due of {total} open tasks. The other {total - tasks.length} are due later or have
          no due date; they move up here as these are done.
        </p>
      ) : null}
      {p.tasks && !tasks.length ? (
        <div class="card"><p style="margin:0">{mine ? 'Nothing open: every task of yours is done.' : 'No open tasks here.'}</p></div>
      ) : null}
      {GROUPS.map((group) => {
        const inGroup = tasks.filter((t) => t.group === group);
        if (!inGroup.length) return null;
        return (
          <section class="card" id={`tasks-${group}`} aria-labelledby={`tasks-${group}-title`}>
            <h2 id={`tasks-${group}-title`}>{GROUP_TITLES[group]} <span class="muted small">{inGroup.length}</span></h2>
            <ul class="task-group">
              {inGroup.map((t) => <TaskItem task={t} today={p.today} csrfToken={p.csrfToken} picked={p.picked} showAssignee={!mine} />)}
            </ul>
          </section>
        );
      })}
    </AppLayout>
  );
}
