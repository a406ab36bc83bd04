import type { listContacts, listNotes, listTasks } from '../../../db/repositories/accountWork.ts';
import { TASK_PRIORITIES, TASK_PRIORITY_LABELS } from '../../../domain/taskPriority.ts';
import { CsrfField } from '../CsrfField.tsx';
import { accountPath, type AccountView } from './accountView.ts';
import { TextAreaField, TextField, Time, type FormState } from './formFields.tsx';
import { renderNoteMarkdown } from './noteMarkdown.ts';

export type TaskRow = Awaited<ReturnType<typeof listTasks>>[number];
export type ContactRow = Awaited<ReturnType<typeof listContacts>>[number];
export type NoteRow = Awaited<ReturnType<typeof listNotes>>[number];

type Assignee = { id: string; name: string; email: string };

/** Whom a task is for: '' is "the account's CSM" (a task with no one named follows the CSM). */
function AssigneeSelect(p: { id: string; people: Assignee[]; selected: string; label: string; visuallyHiddenLabel?: boolean }) {
  return (
    <>
      <label for={p.id} class={p.visuallyHiddenLabel ? 'visually-hidden' : undefined}>{p.label}</label>
      <select id={p.id} name="assignee">
        <option value="" selected={p.selected === ''}>The account's CSM</option>
        {p.people.map((u) => <option value={u.id} selected={u.id === p.selected}>{u.name}</option>)}
      </select>
    </>
  );
}

function PrioritySelect(p: { id: string; selected: string; label: string; visuallyHiddenLabel?: boolean }) {
  return (
    <>
      <label for={p.id} class={p.visuallyHiddenLabel ? 'visually-hidden' : undefined}>{p.label}</label>
      <select id={p.id} name="priority">
        {TASK_PRIORITIES.map((v) => <option value={v} selected={v === p.selected}>{TASK_PRIORITY_LABELS[v]}</option>)}
      </select>
    </>
  );
}

export function TasksCard(p: { accountId: string; tasks: TaskRow[]; today: string; csrfToken: string; form: FormState; assignees?: Assignee[]; csmUserId?: string | null }) {
  const people = p.assignees ?? [];
  const open = p.tasks.filter((t) => !t.completedAt);
  const overdue = open.filter((t) => t.dueDate !== null && t.dueDate < p.today).length;
  return (
    <section class="card" id="tasks" aria-labelledby="tasks-title">
      <h2 id="tasks-title">Tasks <span class="muted small">{open.length} open{overdue ? `, ${overdue} overdue` : ''}</span></h2>
      {p.tasks.length ? (
        <ul class="timeline">
          {p.tasks.map((t) => {
            const late = !t.completedAt && t.dueDate !== null && t.dueDate < p.today;
            return (
              <li class={t.completedAt ? 'task-done' : undefined} style="display:flex;justify-content:space-between;gap:10px;align-items:center;flex-wrap:wrap">
                <span>
                  {t.completedAt ? <s>{t.title}</s> : t.title}
                  {late ? <span class="status status-overdue" style="margin-left:6px">Overdue</span> : null}
                  {t.priority !== 'normal' ? <span class={`status priority-${t.priority}`} style="margin-left:6px" data-priority={t.priority}>{TASK_PRIORITY_LABELS[t.priority]}</span> : null}
                  <br /><span class="muted small">
                    {t.dueDate ? `due ${t.dueDate}` : 'no due date'}
                    {' · '}<span data-assignee>for {t.assigneeName ?? 'the account\'s CSM'}</span>
                    {t.completedAt ? <> · done <Time at={t.completedAt} /></> : null}
                  </span>
                </span>
                {t.completedAt ? null : (
                  <span class="button-row">
                    <form method="post" action={`/tasks/${encodeURIComponent(t.id)}`} class="task-edit" aria-label={`Assignee and priority of ${t.title}`}>
                      <CsrfField token={p.csrfToken} />
                      <input type="hidden" name="returnTo" value="account" />
                      <AssigneeSelect id={`task-${t.id}-assignee`} people={people} selected={t.assigneeUserId ?? ''} label={`Assignee of ${t.title}`} visuallyHiddenLabel />
                      <PrioritySelect id={`task-${t.id}-priority`} selected={t.priority} label={`Priority of ${t.title}`} visuallyHiddenLabel />
                      <button type="submit" class="secondary" style="margin:0" aria-label={`Save assignee and priority of ${t.title}`}>Save</button>
                    </form>
                    <form method="post" action={accountPath(p.accountId, `/tasks/${encodeURIComponent(t.id)}/complete`)}>
                      <CsrfField token={p.csrfToken} />
                      <button type="submit" class="secondary" style="margin:0" aria-label={`Complete task ${t.title}`}>Done</button>
                    </form>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      ) : <p class="muted">No tasks yet.</p>}
      <form method="post" action={accountPath(p.accountId, '/tasks')} style="margin-top:8px">
        <CsrfField token={p.csrfToken} />
        <h3 style="margin-top:8px">New task</h3>
        <TextField id="task-title" name="title" label="Task" state={p.form} required />
        <TextField id="task-dueDate" name="dueDate" label="Due date" type="date" state={p.form} />
        <AssigneeSelect id="task-assignee" people={people} selected={p.form.values.assignee ?? p.csmUserId ?? ''} label="For" />
        <PrioritySelect id="task-priority" selected={p.form.values.priority ?? 'normal'} label="Priority" />
        <button type="submit">Add task</button>
      </form>
    </section>
  );
}

export function ContactsCard(p: { detail: AccountView; contacts: ContactRow[]; csrfToken: string; form: FormState }) {
  const { account } = p.detail;
  return (
    <section class="card" id="contacts" aria-labelledby="contacts-title">
      <h2 id="contacts-title">Contacts</h2>
      <ul class="timeline">
        <li>
          <strong>{account.primaryContactName}</strong> <span class="status status-primary">Primary</span>
          <br /><span class="small">{account.primaryContactRole ? `${account.primaryContactRole} · ` : ''}<a href={`mailto:${account.primaryContactEmail}`}>{account.primaryContactEmail}</a></span>
        </li>
        {p.contacts.map((ct) => (
          <li>
            <strong>{ct.name}</strong>
            <br /><span class="small">{ct.role ? `${ct.role} · ` : ''}<a href={`mailto:${ct.email}`}>{ct.email}</a></span>
          </li>
        ))}
      </ul>
      <form method="post" action={accountPath(account.id, '/contacts')} style="margin-top:8px">
        <CsrfField token={p.csrfToken} />
        <h3 style="margin-top:8px">Add a contact</h3>
        <TextField id="contact-name" name="name" label="Name" state={p.form} required />
        <TextField id="contact-email" name="email" label="Email" type="email" state={p.form} required />
        <TextField id="contact-role" name="role" label="Role" state={p.form} />
        <button type="submit">Add contact</button>
      </form>
    </section>
  );
}

export function NotesCard(p: { accountId: string; notes: NoteRow[]; csrfToken: string; form: FormState }) {
  return (
    <section class="card" id="notes" aria-labelledby="notes-title">
      <h2 id="notes-title">Notes</h2>
      <form method="post" action={accountPath(p.accountId, '/notes')}>
        <CsrfField token={p.csrfToken} />
        <TextAreaField id="note-body" name="body" label="New note" state={p.form} required hint="Markdown: **bold**, lists, links." />
        <button type="submit">Add note</button>
      </form>
      {p.notes.length ? (
        <ul class="timeline" style="margin-top:10px">
          {p.notes.map((n) => (
            <li>
              <p class="muted small" style="margin:0">{n.authorName} · <Time at={n.createdAt} /></p>
              <div class="markdown" dangerouslySetInnerHTML={{ __html: renderNoteMarkdown(n.body) }} />
            </li>
          ))}
        </ul>
      ) : <p class="muted">No notes yet.</p>}
    </section>
  );
}
