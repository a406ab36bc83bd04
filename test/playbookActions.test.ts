// The playbook runs itself (issue 12, part 1): a started milestone's actions on durable timers in the
// account's workflow, emails drafted and sent once after review, blockers holding their milestone,
// skip / reschedule / run now / complete, and timers surviving continue-as-new.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { outboxEmails } from '../db/schema/index.ts';
import { createHarness, eventually, handedOffAccount, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

/** An action's "hour" is 50 ms here: the kickoff call (24 h after the milestone starts) fires after 1.2 s. */
const FAST = { actionHourSeconds: 0.05 };

interface ActionView { actionId: string; milestoneId: string; kind: string; label: string; status: string; blocker: boolean; dueAt: string | null; draftSubject: string | null; draftBody: string | null; outboxId: string | null; note: string | null }
interface AccountView { status: string; milestones: { id: string; name: string; status: string }[] }

async function handedOff(harness: Harness, org: TestOrganisation, name: string): Promise<{ id: string; view: AccountView }> {
  const { id } = await handedOffAccount(harness, org, { companyName: name, templateName: 'Standard SaaS Onboarding' });
  return { id, view: await (await org.api(`/api/accounts/${id}`)).json() as AccountView };
}

async function actions(org: TestOrganisation, id: string): Promise<ActionView[]> {
  const res = await org.api(`/api/accounts/${id}/actions`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: ActionView[] }).items;
}

const byLabel = (list: ActionView[], label: string) => list.find((a) => a.label === label)!;

async function command(org: TestOrganisation, id: string, actionId: string, cmd: string, body: unknown = {}, headers?: Record<string, string>) {
  return org.api(`/api/accounts/${id}/actions/${encodeURIComponent(actionId)}/${cmd}`, { body, ...(headers ? { headers } : {}) });
}

describe('the playbook', () => {
  it('drafts the welcome email at handoff, sends it once on approval, and holds the milestone on its blocker until the call is done', async () => {
    const org = await h.newOrganisation(FAST);
    const { id, view } = await handedOff(h, org, 'Playbook Co');
    const kickoff = view.milestones.find((m) => m.name === 'Kickoff')!;
    expect(kickoff.status).toBe('in_progress');

    const drafted = await eventually(async () => {
      const list = await actions(org, id);
      return byLabel(list, 'Welcome email')?.status === 'review_pending' ? list : undefined;
    }, { what: 'the welcome email drafted' });
    const welcome = byLabel(drafted, 'Welcome email');
    expect(welcome.draftSubject).toBe('Welcome email: Playbook Co');
    expect(welcome.draftBody).toContain('Introduce the CSM and propose kickoff times to Peter Gibbons.');
    expect(welcome.draftBody).toContain('Casey CSM');
    expect(byLabel(drafted, 'Kickoff call')).toMatchObject({ kind: 'meeting', blocker: true });

    // The call is a blocker: the milestone waits for it, and the API says so by name.
    const blocked = await org.api(`/api/accounts/${id}/milestones/${kickoff.id}/complete`, { body: {} });
    expect(blocked.status).toBe(409);
    expect(((await blocked.json()) as { error: { message: string } }).error.message).toContain('"Kickoff call"');

    // Approved with an edit, twice with one key (a retry): sent once, to the primary contact.
    const key = { 'idempotency-key': `approve-${id}` };
    const edits = { subject: 'Welcome to Relay, Playbook Co', body: 'Hi Peter,\n\nCasey here: shall we meet Tuesday?' };
    expect((await command(org, id, welcome.actionId, 'approve', edits, key)).status).toBe(200);
    expect((await command(org, id, welcome.actionId, 'approve', edits, key)).status).toBe(200);
    expect((await command(org, id, welcome.actionId, 'approve', edits)).status).toBe(409);
    const sent = await h.database.db.select({ to: outboxEmails.toAddresses, subject: outboxEmails.subject }).from(outboxEmails)
      .where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'action_email')));
    expect(sent).toEqual([{ to: [expect.stringMatching(/^peter@/)], subject: 'Welcome to Relay, Playbook Co' }]);
    expect(byLabel(await actions(org, id), 'Welcome email')).toMatchObject({ status: 'executed', outboxId: expect.any(String) });

    // The call's durable timer fires (24 "hours" = 1.2 s here); done, the milestone completes.
    const call = await eventually(async () => {
      const a = byLabel(await actions(org, id), 'Kickoff call');
      return a.status === 'ready' ? a : undefined;
    }, { what: 'the kickoff call due' });
    expect((await command(org, id, call.actionId, 'complete')).status).toBe(200);
    expect((await org.api(`/api/accounts/${id}/milestones/${kickoff.id}/complete`, { body: {} })).status).toBe(200);

    // The next milestone's actions: a form at once, a manual blocker that waits for a person.
    const config = await eventually(async () => {
      const list = await actions(org, id);
      return byLabel(list, 'Technical questionnaire')?.status === 'ready' ? list : undefined;
    }, { what: 'the questionnaire open' });
    const workspace = byLabel(config, 'Configure workspace');
    expect(workspace).toMatchObject({ status: 'pending', dueAt: null, blocker: true });
    expect((await command(org, id, workspace.actionId, 'skip', {})).status).toBe(400);
    expect((await command(org, id, workspace.actionId, 'run')).status).toBe(200);
    expect(byLabel(await actions(org, id), 'Configure workspace').status).toBe('ready');
    expect((await command(org, id, workspace.actionId, 'skip', { reason: 'Customer configured it themselves' })).status).toBe(200);
    expect(byLabel(await actions(org, id), 'Configure workspace')).toMatchObject({ status: 'skipped', note: 'Customer configured it themselves' });

    const timeline = await (await org.api(`/api/accounts/${id}`)).json() as { id: string };
    expect(timeline.id).toBe(id);
  });

  it('reschedules a pending action, and runs one now', async () => {
    const org = await h.newOrganisation({ actionHourSeconds: 3600 });
    const { id } = await handedOff(h, org, 'Later Co');
    const list = await eventually(async () => {
      const l = await actions(org, id);
      return byLabel(l, 'Kickoff call') ? l : undefined;
    }, { what: 'the kickoff actions' });
    const call = byLabel(list, 'Kickoff call');
    expect(call.status).toBe('pending');
    expect(Date.parse(call.dueAt!) - Date.now()).toBeGreaterThan(23 * 3600_000);

    const soon = new Date(Date.now() + 1_000).toISOString();
    expect((await command(org, id, call.actionId, 'reschedule', { dueAt: soon })).status).toBe(200);
    await eventually(async () => byLabel(await actions(org, id), 'Kickoff call').status === 'ready', { what: 'the rescheduled call due' });

    expect((await command(org, id, call.actionId, 'reschedule', { dueAt: 'tomorrow' })).status).toBe(400);
    expect((await command(org, id, 'no-such-action', 'run')).status).toBe(404);
    expect((await command(org, id, call.actionId, 'explode')).status).toBe(404);
    const other = await h.newOrganisation();
    expect((await other.api(`/api/accounts/${id}/actions`)).status).toBe(404);
    expect((await command(other, id, call.actionId, 'complete')).status).toBe(404);
  });
});

describe('timers across continue-as-new', () => {
  let small: Harness;
  beforeAll(async () => { small = await createHarness({ historyLimit: 40 }); });
  afterAll(async () => { await small?.close(); });

  it('keeps every pending action and fires it on time in the new run', async () => {
    const org = await small.newOrganisation({ actionHourSeconds: 0.1 });
    const { id } = await handedOff(small, org, 'Long Run Co');
    const handle = small.deps.temporal.workflow.getHandle(`account-${id}`);
    // The run continues as new (history past 40 events) while the call is still pending…
    await eventually(async () => {
      const history = await handle.fetchHistory();
      return history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ? true : undefined;
    }, { what: 'the run to continue as new' });
    expect(byLabel(await actions(org, id), 'Kickoff call').status).toBe('pending');
    // …and the call fires 2.4 s after the milestone started, in the new run.
    const call = await eventually(async () => {
      const a = byLabel(await actions(org, id), 'Kickoff call');
      return a?.status === 'ready' ? a : undefined;
    }, { what: 'the kickoff call due in a later run', timeoutMs: 30_000 });
    expect(call.status).toBe('ready');
  });
});
