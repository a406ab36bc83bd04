// The playbook's automation (issue 12): an email set to "send automatically" goes out without review,
// a meeting's scheduling link shows on the account page and in the customer's email, and an internal
// task lands on the account's task list (once, assigned to the CSM, due at its time) and is closed
// when its action is completed or skipped.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionActivities } from '../activities/actions.ts';
import { actionTaskId, findActionTask } from '../db/repositories/accountWork.ts';
import { saveTemplate } from '../db/repositories/templates.ts';
import { outboxEmails, tasks, timelineEvents } from '../db/schema/index.ts';
import type { ActionState } from '../domain/actions.ts';
import { signIn } from './dashboardClient.ts';
import { createHarness, eventually, handedOffAccount, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

const BOOKING = 'https://calendly.com/casey-csm/kickoff';

/** An action's "hour" is 50 ms: the prep task (2 h) is due 0.1 s after the milestone starts, the call (10 000 h) never. */
async function orgWithTemplate(): Promise<TestOrganisation> {
  const org = await h.newOrganisation({ actionHourSeconds: 0.05 });
  await saveTemplate(h.database.db, org.orgId, {
    name: 'Automated Onboarding', description: 'Sends and schedules by itself', estimatedDurationDays: 30, targetSegment: 'SMB',
    milestones: [
      { sequence: 1, name: 'Kickoff', durationDays: 7, actions: [
        { kind: 'email', label: 'Welcome email', description: 'Welcome {{company_name}} aboard and propose a kickoff call.', trigger: { type: 'milestone_start', delayHours: 0 }, blocker: false, autoSend: true },
        { kind: 'meeting', label: 'Kickoff call', description: 'Agree goals.', trigger: { type: 'milestone_start', delayHours: 10_000 }, blocker: false, schedulingUrl: BOOKING },
        { kind: 'task', label: 'Prepare workspace', description: 'Create the workspace.', trigger: { type: 'milestone_start', delayHours: 2 }, blocker: true },
        { kind: 'task', label: 'Check SSO', description: 'Confirm SSO works.', trigger: { type: 'manual' }, blocker: false },
      ] },
      { sequence: 2, name: 'Launch', durationDays: 7, actions: [] },
    ],
  });
  return org;
}

interface ActionView { actionId: string; label: string; status: string; dueAt: string | null; drafter: string | null; outboxId: string | null }
async function actions(org: TestOrganisation, id: string): Promise<ActionView[]> {
  return ((await (await org.api(`/api/accounts/${id}/actions`)).json()) as { items: ActionView[] }).items;
}
const byLabel = (list: ActionView[], label: string) => list.find((a) => a.label === label);
async function actionIn(org: TestOrganisation, id: string, label: string, status: string): Promise<ActionView> {
  return eventually(async () => {
    const a = byLabel(await actions(org, id), label);
    return a?.status === status ? a : undefined;
  }, { what: `"${label}" ${status}` });
}

describe('playbook automation', () => {
  it('sends an auto-send email without review, with the milestone\'s scheduling link, which the account page shows on the call', async () => {
    const org = await orgWithTemplate();
    const { id } = await handedOffAccount(h, org, { companyName: 'Autosend Co', templateName: 'Automated Onboarding' });

    const welcome = await actionIn(org, id, 'Welcome email', 'executed');
    expect(welcome).toMatchObject({ drafter: 'rule_based', outboxId: expect.any(String) });
    const sent = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'action_email')));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('Welcome email: Autosend Co');
    expect(sent[0]!.text).toContain('Welcome Autosend Co aboard and propose a kickoff call.');
    expect(sent[0]!.text).toContain(`Book a time that suits you: ${BOOKING}`);
    expect(sent[0]!.text).not.toContain('{{');
    expect(sent[0]!.html).toContain(`<a href="${BOOKING}">${BOOKING}</a>`);
    const timeline = await h.database.db.select({ message: timelineEvents.message }).from(timelineEvents)
      .where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'action_changed')));
    expect(timeline.map((t) => t.message)).toContain('"Welcome email" sent');
    expect(timeline.map((t) => t.message).join('\n')).not.toContain('waiting for review');

    const admin = await signIn(h, org.adminEmail);
    const page = await (await admin.get(`/accounts/${id}`)).text();
    const call = /<li data-action-id="[^"]+" data-status="pending"[^>]*>(?:(?!<\/li>)[\s\S])*?<strong>Kickoff call<\/strong>[\s\S]*?<\/li>/.exec(page)?.[0] ?? '';
    expect(call).toContain('data-scheduling-link');
    expect(call).toContain(`<a href="${BOOKING}" target="_blank" rel="noopener noreferrer">${BOOKING}</a>`);
  });

  it('puts an internal task on the account\'s task list once, for the CSM, due at its time, and closes it with its action', async () => {
    const org = await orgWithTemplate();
    const { id } = await handedOffAccount(h, org, { companyName: 'Tasklist Co', templateName: 'Automated Onboarding' });

    // The timed task: ready when its timer fires, on the list due at milestone start + delay.
    const prep = await actionIn(org, id, 'Prepare workspace', 'ready');
    const prepTask = await eventually(async () => (await findActionTask(h.database.db, org.orgId, id, prep.actionId)) ?? undefined, { what: 'the prep task' });
    expect(prepTask).toMatchObject({ id: actionTaskId(id, prep.actionId), title: 'Prepare workspace', dueDate: prep.dueAt!.slice(0, 10), completedAt: null });
    const added = await h.database.db.select({ message: timelineEvents.message, actor: timelineEvents.actor }).from(timelineEvents)
      .where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'task_created')));
    expect(added).toEqual([{ message: `Task added for Casey CSM: Prepare workspace (due ${prepTask.dueDate})`, actor: 'relay' }]);

    const card = await (await (await signIn(h, org.adminEmail)).get(`/accounts/${id}`)).text();
    expect(card).toMatch(/<strong>Prepare workspace<\/strong>[\s\S]*?data-on-task-list/);
    expect(card).toMatch(/id="tasks"[\s\S]*?Prepare workspace[\s\S]*?due \d{4}-\d\d-\d\d/);

    // A retried projection (the same transition again) adds nothing.
    const activities = createActionActivities(h.activityDeps);
    const state: ActionState = {
      id: prep.actionId, milestoneId: prep.actionId.split(':')[0]!, kind: 'task', label: 'Prepare workspace', description: 'Create the workspace.',
      blocker: true, manual: false, autoSend: false, dueAt: Date.parse(prep.dueAt!), status: 'ready', note: null,
    };
    await activities.projectActions({ orgId: org.orgId, accountId: id, actions: [state] });
    await activities.projectActions({ orgId: org.orgId, accountId: id, actions: [state], change: { message: 'again', actor: 'relay', eventKey: `retry-${id}` } });
    const rows = await h.database.db.select().from(tasks).where(eq(tasks.accountId, id));
    expect(rows).toHaveLength(1);

    // Completing the action (the page or the API) completes its task.
    const done = await org.api(`/api/accounts/${id}/actions/${encodeURIComponent(prep.actionId)}/complete`, { body: {} });
    expect(done.status).toBe(200);
    expect((await findActionTask(h.database.db, org.orgId, id, prep.actionId))?.completedAt).toBeInstanceOf(Date);
    const closed = await h.database.db.select({ message: timelineEvents.message, actor: timelineEvents.actor }).from(timelineEvents)
      .where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'task_completed')));
    expect(closed).toEqual([{ message: 'Task completed: Prepare workspace', actor: 'api' }]);

    // The manual one: on the list when a person runs it, due by the milestone's planned end (7 days); skipped, closed.
    const sso = byLabel(await actions(org, id), 'Check SSO')!;
    expect(await findActionTask(h.database.db, org.orgId, id, sso.actionId)).toBeNull();
    expect((await org.api(`/api/accounts/${id}/actions/${encodeURIComponent(sso.actionId)}/run`, { body: {} })).status).toBe(200);
    const ssoTask = await findActionTask(h.database.db, org.orgId, id, sso.actionId);
    const kickoffEnd = Date.now() + 7 * 86_400_000;
    expect([new Date(kickoffEnd - 86_400_000).toISOString().slice(0, 10), new Date(kickoffEnd).toISOString().slice(0, 10)]).toContain(ssoTask?.dueDate);
    expect((await org.api(`/api/accounts/${id}/actions/${encodeURIComponent(sso.actionId)}/skip`, { body: { reason: 'No SSO for this customer' } })).status).toBe(200);
    expect((await findActionTask(h.database.db, org.orgId, id, sso.actionId))?.completedAt).toBeInstanceOf(Date);
    const page = await (await (await signIn(h, org.adminEmail)).get(`/accounts/${id}`)).text();
    expect(page).toContain('Task closed (the playbook action was skipped): Check SSO');
  });

  it('completes a task\'s playbook action when the CSM ticks the task off on the task list', async () => {
    const org = await orgWithTemplate();
    const { id } = await handedOffAccount(h, org, { companyName: 'Tickoff Co', templateName: 'Automated Onboarding' });
    const prep = await actionIn(org, id, 'Prepare workspace', 'ready');
    const task = await eventually(async () => (await findActionTask(h.database.db, org.orgId, id, prep.actionId)) ?? undefined, { what: 'the prep task' });

    const admin = await signIn(h, org.adminEmail);
    const ticked = await admin.post(`/accounts/${id}/tasks/${task.id}/complete`);
    expect(ticked.status).toBe(303);
    // The playbook agrees with the list: the action is completed (the workflow's change, projected a moment later).
    await eventually(async () => byLabel(await actions(org, id), 'Prepare workspace')?.status === 'completed', { what: 'the action completed' });
    expect((await findActionTask(h.database.db, org.orgId, id, prep.actionId))?.completedAt).toBeInstanceOf(Date);
    const completed = await h.database.db.select({ message: timelineEvents.message }).from(timelineEvents)
      .where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'task_completed')));
    expect(completed).toEqual([{ message: 'Task completed: Prepare workspace' }]);
    // The page it lands on says so (the one-shot flash cookie carried as a browser would).
    const landed = async (res: Response) => (await h.app.request(res.headers.get('location')!, {
      headers: { cookie: [admin.cookie, /relay_flash=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0]].filter(Boolean).join('; ') },
    })).text();
    expect(await landed(ticked)).toContain('Task done.');

    // Ticked again (a double click): already done, nothing more happens.
    const again = await admin.post(`/accounts/${id}/tasks/${task.id}/complete`);
    expect(again.status).toBe(303);
    expect(await landed(again)).toContain('That task was already done.');
    expect(await h.database.db.select().from(timelineEvents).where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'task_completed')))).toHaveLength(1);
  });
});
