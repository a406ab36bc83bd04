import { and, count, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tasks, timelineEvents } from '../db/schema/index.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { createHarness, eventually, handedOffAccount, skipOpenBlockers, type Harness, type TestOrganisation } from './harness.ts';

// Tasks with an assignee and a priority, and "My tasks" across accounts (issue 14).

const DAY = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

let h: Harness;
let org: TestOrganisation;
let other: TestOrganisation;
let admin: DashboardClient;
let casey: DashboardClient;
let otherCasey: DashboardClient;
let accountA: string;
let accountB: string;
let otherAccount: string;

/** A task as GET /api/tasks lists it. */
interface ApiTask { id: string; title: string; priority: string; group: string; account: { id: string; name: string }; assignee: { email: string } | null }

const person = (o: TestOrganisation, name: string) => o.csms.find((c) => c.name === name)!;

/** Adds a task from the account page's form, as the signed-in person. */
async function addTask(client: DashboardClient, accountId: string, fields: Record<string, string>): Promise<string> {
  const before = new Set((await h.database.db.select({ id: tasks.id }).from(tasks).where(eq(tasks.accountId, accountId))).map((t) => t.id));
  const res = await client.post(`/accounts/${accountId}/tasks`, fields);
  expect(res.status).toBe(303);
  const rows = await h.database.db.select({ id: tasks.id }).from(tasks).where(eq(tasks.accountId, accountId));
  return rows.find((t) => !before.has(t.id))!.id;
}

/** The page's task titles per group, in order. */
function groups(html: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of html.matchAll(/<section class="card" id="tasks-([a-z_]+)"[\s\S]*?<\/section>/g)) {
    out[m[1]!] = [...m[0].matchAll(/<strong>([^<]+)<\/strong>/g)].map((t) => t[1]!);
  }
  return out;
}

/** Follows a 303 with the flash cookie it set. */
async function follow(client: DashboardClient, res: Response): Promise<string> {
  expect(res.status).toBe(303);
  const flash = /relay_(?:tasks_)?flash=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  const page = await h.app.request(res.headers.get('location')!, { headers: { cookie: [client.cookie, flash].filter(Boolean).join('; ') } });
  expect(page.status).toBe(200);
  return page.text();
}

beforeAll(async () => {
  h = await createHarness();
  [org, other] = await Promise.all([h.newOrganisation(), h.newOrganisation()]);
  [{ id: accountA }, { id: accountB }, { id: otherAccount }] = await Promise.all([
    handedOffAccount(h, org, { companyName: 'Alpha Tasks Inc' }),
    handedOffAccount(h, org, { companyName: 'Beta Tasks GmbH' }),
    handedOffAccount(h, other, { companyName: 'Other Org Task Co' }),
  ]);
  admin = await signIn(h, org.adminEmail);
  casey = await signIn(h, person(org, 'Casey CSM').email);
  otherCasey = await signIn(h, person(other, 'Casey CSM').email);
  // Casey (the CSM of every account here) gets these by default; one is Robin's.
  await addTask(admin, accountA, { title: 'Send the SSO guide', dueDate: day(-3), priority: 'normal' });
  await addTask(admin, accountB, { title: 'Chase the signed order form', dueDate: day(-1), priority: 'urgent' });
  await addTask(admin, accountA, { title: 'Book the training room', dueDate: day(0), priority: 'high' });
  await addTask(admin, accountB, { title: 'Prepare the launch deck', dueDate: day(5), priority: 'low' });
  await addTask(admin, accountB, { title: 'Review the data import', dueDate: day(2), priority: 'urgent' });
  await addTask(admin, accountA, { title: 'Ask about a second team', priority: 'normal' });
  await addTask(admin, accountA, { title: 'Robin checks the invoices', dueDate: day(-2), assignee: person(org, 'Robin CSM').id, priority: 'urgent' });
  // Another organisation's Casey, with a task due yesterday: never on this organisation's pages.
  await addTask(otherCasey, otherAccount, { title: 'Other org secret task', dueDate: day(-1), priority: 'urgent' });
}, 180_000);
afterAll(async () => { await h?.close(); });

describe('tasks with an assignee and a priority', () => {
  it('goes to the account\'s CSM by default and says so on the account page', async () => {
    const [row] = await h.database.db.select().from(tasks).where(and(eq(tasks.accountId, accountA), eq(tasks.title, 'Send the SSO guide')));
    expect(row).toMatchObject({ assigneeUserId: person(org, 'Casey CSM').id, priority: 'normal' });
    const page = await (await admin.get(`/accounts/${accountA}`)).text();
    expect(page).toContain('for Casey CSM');
    expect(page).toContain('for Robin CSM');
    expect(page).toMatch(/Robin checks the invoices[\s\S]*?data-priority="urgent"[^>]*>Urgent</);
  });

  it('changes assignee and priority from the account page, with a timeline entry', async () => {
    const id = await addTask(admin, accountA, { title: 'Hand over to Sam', dueDate: day(1) });
    const sam = person(org, 'Sam CSM');
    const html = await follow(admin, await admin.post(`/tasks/${id}`, { assignee: sam.id, priority: 'high', returnTo: 'account' }));
    expect(html).toContain('Task updated.');
    expect(html).toMatch(/Hand over to Sam[\s\S]*?>High<[\s\S]*?for Sam CSM/);
    const [row] = await h.database.db.select().from(tasks).where(eq(tasks.id, id));
    expect(row).toMatchObject({ assigneeUserId: sam.id, priority: 'high' });
    const events = await h.database.db.select().from(timelineEvents).where(and(eq(timelineEvents.accountId, accountA), eq(timelineEvents.type, 'task_updated')));
    expect(events.map((e) => e.message)).toContain('Task "Hand over to Sam": assignee Casey CSM → Sam CSM; priority Normal → High');
    // The same change again changes nothing and adds no entry.
    expect(await follow(admin, await admin.post(`/tasks/${id}`, { assignee: sam.id, priority: 'high', returnTo: 'account' }))).toContain('Nothing to change.');
    expect(await h.database.db.select().from(timelineEvents).where(and(eq(timelineEvents.accountId, accountA), eq(timelineEvents.type, 'task_updated')))).toHaveLength(1);
    // Someone of another organisation cannot be given the task.
    const refused = await follow(admin, await admin.post(`/tasks/${id}`, { assignee: person(other, 'Robin CSM').id, priority: 'low', returnTo: 'account' }));
    expect(refused).toContain('Not changed: no user of this organisation has the ID');
    expect((await h.database.db.select().from(tasks).where(eq(tasks.id, id)))[0]).toMatchObject({ assigneeUserId: sam.id, priority: 'high' });
    // Another organisation's person cannot touch this organisation's task either.
    const foreign = await otherCasey.post(`/tasks/${id}`, { assignee: '', priority: 'low', returnTo: 'account' });
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).not.toContain('Hand over to Sam');
    expect((await h.database.db.select().from(tasks).where(eq(tasks.id, id)))[0]?.priority).toBe('high');
    // A priority the form does not offer is a 400 naming the field.
    const bad = await admin.post(`/tasks/${id}`, { assignee: sam.id, priority: 'whenever', returnTo: 'account' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('priority: priority must be one of low, normal, high, urgent');
  });
});

describe('My tasks', () => {
  it('lists the signed-in person\'s open tasks across accounts, grouped, the most pressing first', async () => {
    const res = await casey.get('/tasks');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>My tasks</h1>');
    expect(html).toContain('<a href="/tasks" aria-current="page">My tasks</a>');
    expect(groups(html)).toEqual({
      overdue: ['Chase the signed order form', 'Send the SSO guide'],
      today: ['Book the training room'],
      upcoming: ['Review the data import', 'Prepare the launch deck'],
      no_date: ['Ask about a second team'],
    });
    expect(html).toContain(`<a href="/accounts/${accountB}#tasks">Beta Tasks GmbH</a>`);
    expect(html).toContain(`due ${day(-3)} · 3 days late`);
    // Robin's task and the other organisation's are not Casey's.
    expect(html).not.toContain('Robin checks the invoices');
    expect(html).not.toContain('Other org secret task');
    // A CSM sees their own list whatever the address asks for.
    expect(groups(await (await casey.get(`/tasks?assignee=${person(org, 'Robin CSM').id}`)).text()).overdue).not.toContain('Robin checks the invoices');
  });

  it('lets an admin look at anyone\'s tasks, and never shows another organisation\'s', async () => {
    const robin = await (await admin.get(`/tasks?assignee=${person(org, 'Robin CSM').id}`)).text();
    expect(robin).toContain('<h1>Tasks of Robin CSM</h1>');
    expect(groups(robin)).toEqual({ overdue: ['Robin checks the invoices'] });
    const everyone = await (await admin.get('/tasks?assignee=all')).text();
    // Both urgent ones first, the one due earlier ahead; then the normal one.
    expect(groups(everyone).overdue).toEqual(['Robin checks the invoices', 'Chase the signed order form', 'Send the SSO guide']);
    expect(everyone).not.toContain('Other org secret task');
    // Someone of another organisation is no one here.
    const foreign = await admin.get(`/tasks?assignee=${person(other, 'Casey CSM').id}`);
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).not.toContain('Other org secret task');
    const theirs = await (await otherCasey.get('/tasks')).text();
    expect(groups(theirs)).toEqual({ overdue: ['Other org secret task'] });
  });

  it('ticks a task off from the page, the account\'s own way', async () => {
    const id = await addTask(admin, accountB, { title: 'Send the recap', dueDate: day(-1) });
    expect(groups(await (await casey.get('/tasks')).text()).overdue).toContain('Send the recap');
    const html = await follow(casey, await casey.post(`/tasks/${id}/complete`));
    expect(html).toContain('Task done.');
    expect(groups(html).overdue).not.toContain('Send the recap');
    const [row] = await h.database.db.select().from(tasks).where(eq(tasks.id, id));
    expect(row?.completedAt).toBeInstanceOf(Date);
    const events = await h.database.db.select().from(timelineEvents).where(and(eq(timelineEvents.accountId, accountB), eq(timelineEvents.type, 'task_completed')));
    expect(events.map((e) => e.message)).toContain('Task completed: Send the recap');
    expect(await follow(casey, await casey.post(`/tasks/${id}/complete`))).toContain('That task was already done.');
    // Another organisation's person cannot tick it off (nor learn it exists).
    const foreignTask = (await h.database.db.select().from(tasks).where(eq(tasks.accountId, otherAccount)))[0]!;
    expect((await casey.post(`/tasks/${foreignTask.id}/complete`)).status).toBe(404);
    expect((await h.database.db.select().from(tasks).where(eq(tasks.id, foreignTask.id)))[0]?.completedAt).toBeNull();
  });
});

describe('a playbook action\'s task', () => {
  interface Action { actionId: string; label: string; status: string }
  const actionsOf = async (accountId: string) => ((await (await org.api(`/api/accounts/${accountId}/actions`)).json()) as { items: Action[] }).items;

  it('goes to the account\'s CSM, and ticking it off in My tasks completes the action', async () => {
    const { id } = await handedOffAccount(h, org, { companyName: 'Gamma Playbook Ltd' });
    const kickoff = ((await (await org.api(`/api/accounts/${id}`)).json()) as { milestones: { id: string }[] }).milestones[0]!;
    await skipOpenBlockers(org, id, kickoff.id);
    expect((await org.api(`/api/accounts/${id}/milestones/${kickoff.id}/complete`, { body: {} })).status).toBe(200);
    const workspace = await eventually(async () => (await actionsOf(id)).find((a) => a.label === 'Configure workspace'), { what: 'the Configure workspace action' });
    expect((await org.api(`/api/accounts/${id}/actions/${encodeURIComponent(workspace.actionId)}/run`, { body: {} })).status).toBe(200);
    const task = await eventually(async () => (await h.database.db.select().from(tasks).where(and(eq(tasks.accountId, id), eq(tasks.title, 'Configure workspace'))))[0], { what: 'the action\'s task' });
    expect(task.assigneeUserId).toBe(person(org, 'Casey CSM').id);
    // A manual action is due by its milestone's planned end (Configuration: 14 days).
    expect(groups(await (await casey.get('/tasks')).text()).upcoming).toContain('Configure workspace');

    const html = await follow(casey, await casey.post(`/tasks/${task.id}/complete`));
    expect(html).toContain('Task done.');
    expect((await actionsOf(id)).find((a) => a.actionId === workspace.actionId)?.status).toBe('completed');
  });
});

describe('the task API', () => {

  it('lists a person\'s open tasks by ID or email, grouped and ordered as the page does', async () => {
    const res = await org.api(`/api/tasks?assignee=${encodeURIComponent(person(org, 'Casey CSM').email)}`);
    expect(res.status).toBe(200);
    const { items } = await res.json() as { items: ApiTask[] };
    expect(items.slice(0, 3).map((t) => [t.group, t.title, t.priority])).toEqual([
      ['overdue', 'Chase the signed order form', 'urgent'], ['overdue', 'Send the SSO guide', 'normal'], ['today', 'Book the training room', 'high'],
    ]);
    expect(items.every((t) => t.assignee?.email === person(org, 'Casey CSM').email)).toBe(true);
    expect(items.find((t) => t.title === 'Book the training room')?.account).toEqual({ id: accountA, name: 'Alpha Tasks Inc' });
    const all = await (await org.api('/api/tasks?assignee=all')).json() as { items: ApiTask[] };
    expect(all.items.some((t) => t.title === 'Robin checks the invoices')).toBe(true);
    expect(all.items.some((t) => t.title === 'Other org secret task' || t.account.id === otherAccount)).toBe(false);
  });

  it('says why assignee=me means no one for an API key', async () => {
    const res = await org.api('/api/tasks?assignee=me');
    expect(res.status).toBe(400);
    const body = await res.json() as { error: { fields: { field: string }[] } };
    expect(body.error.fields.map((f) => f.field)).toEqual(['assignee']);
  });

  it('creates and changes tasks, naming every bad field, refusing people of other organisations with a 422', async () => {
    const created = await org.api('/api/tasks', { body: { accountId: accountA, title: 'API task', dueDate: day(3), priority: 'high' } });
    expect(created.status).toBe(201);
    const task = await created.json() as { id: string; assigneeUserId: string; priority: string };
    expect(task).toMatchObject({ assigneeUserId: person(org, 'Casey CSM').id, priority: 'high' });

    const changed = await org.api(`/api/tasks/${task.id}`, { method: 'PATCH', body: { assignee: person(org, 'Robin CSM').email, priority: 'urgent' } });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ assigneeUserId: person(org, 'Robin CSM').id, priority: 'urgent' });

    const bad = await org.api(`/api/tasks/${task.id}`, { method: 'PATCH', body: { priority: 'huge', colour: 'red' } });
    expect(bad.status).toBe(400);
    const badFields = ((await bad.json()) as { error: { fields: { field: string; message: string }[] } }).error.fields;
    expect(badFields.map((f) => f.field).sort()).toEqual(['colour', 'priority']);
    expect(badFields.find((f) => f.field === 'priority')?.message).toBe('priority must be one of low, normal, high, urgent');

    const foreignPerson = await org.api(`/api/tasks/${task.id}`, { method: 'PATCH', body: { assignee: person(other, 'Casey CSM').id } });
    expect(foreignPerson.status).toBe(422);
    expect(((await foreignPerson.json()) as { error: { fields: { field: string }[] } }).error.fields.map((f) => f.field)).toEqual(['assignee']);

    const badCreate = await org.api('/api/tasks', { body: { accountId: accountA, title: '', dueDate: '2026-02-30', priority: 'soon' } });
    expect(badCreate.status).toBe(400);
    expect(((await badCreate.json()) as { error: { fields: { field: string }[] } }).error.fields.map((f) => f.field).sort()).toEqual(['dueDate', 'priority', 'title']);
    expect(await h.database.db.select().from(tasks).where(and(eq(tasks.accountId, accountA), eq(tasks.title, '')))).toHaveLength(0);

    // Another organisation's task and account are as absent as made-up ones.
    const theirTask = (await h.database.db.select().from(tasks).where(eq(tasks.accountId, otherAccount)))[0]!;
    expect((await org.api(`/api/tasks/${theirTask.id}`, { method: 'PATCH', body: { priority: 'low' } })).status).toBe(404);
    expect((await org.api(`/api/tasks/${theirTask.id}/complete`, { body: {} })).status).toBe(404);
    expect((await org.api('/api/tasks', { body: { accountId: otherAccount, title: 'Sneaky' } })).status).toBe(404);
    expect((await h.database.db.select().from(tasks).where(eq(tasks.id, theirTask.id)))[0]).toMatchObject({ priority: 'urgent', completedAt: null });

    const done = await org.api(`/api/tasks/${task.id}/complete`, { body: {} });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { completedAt: string | null }).completedAt).not.toBeNull();
  });
});

describe('a list longer than one page holds', () => {
  it('shows the 500 soonest due and says how many are open in all, on the page and in the API', async () => {
    const busy = await h.newOrganisation();
    const { id: accountId } = await handedOffAccount(h, busy, { companyName: 'Many Tasks Ltd' });
    const caseyOfBusy = person(busy, 'Casey CSM');
    // A long book's worth of open tasks for one CSM; the five due last fall past the limit. A done one is not counted.
    await h.database.db.insert(tasks).values([
      ...Array.from({ length: 505 }, (_, i) => ({
        id: `bulk-${busy.orgId}-${i + 1}`, orgId: busy.orgId, accountId, title: `Bulk task ${i + 1}`, dueDate: day(i + 1), assigneeUserId: caseyOfBusy.id,
      })),
      { id: `bulk-${busy.orgId}-done`, orgId: busy.orgId, accountId, title: 'Bulk task done', dueDate: day(1), assigneeUserId: caseyOfBusy.id, completedAt: new Date() },
    ]);
    const [open] = await h.database.db.select({ n: count() }).from(tasks).where(and(eq(tasks.orgId, busy.orgId), isNull(tasks.completedAt)));
    expect(open!.n).toBeGreaterThanOrEqual(505);

    const res = await busy.api(`/api/tasks?assignee=${encodeURIComponent(caseyOfBusy.email)}`);
    expect(res.status).toBe(200);
    const answer = await res.json() as { items: ApiTask[]; total: number };
    expect(answer.items).toHaveLength(500);
    const titles = new Set(answer.items.map((t) => t.title));
    expect(titles.has('Bulk task 1')).toBe(true);
    expect(titles.has('Bulk task 505')).toBe(false);
    expect(titles.has('Bulk task done')).toBe(false);
    const mine = (await h.database.db.select({ n: count() }).from(tasks)
      .where(and(eq(tasks.orgId, busy.orgId), eq(tasks.assigneeUserId, caseyOfBusy.id), isNull(tasks.completedAt))))[0]!.n;
    expect(answer.total).toBe(mine);

    // Casey's page says the list was cut, and by how much.
    const page = await (await (await signIn(h, caseyOfBusy.email)).get('/tasks')).text();
    expect(page).toMatch(new RegExp(`data-open-count[^>]*>${mine} open tasks<`));
    const cut = /<p class="flash info" role="status" data-tasks-cut[^>]*>([\s\S]*?)<\/p>/.exec(page)?.[1]?.replace(/\s+/g, ' ').trim();
    expect(cut).toBe(`Showing the 500 soonest due of ${mine} open tasks. The other ${mine - 500} are due later or have no due date; they move up here as these are done.`);
    expect(page).not.toContain('Bulk task 505');

    // A list that fits says nothing of the kind.
    expect(await (await casey.get('/tasks')).text()).not.toContain('data-tasks-cut');
  });
});
