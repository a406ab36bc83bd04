// The playbook on the account page (issue 12): the CSM reviews and approves a drafted email, skips
// with a reason, reschedules, runs and completes actions from server-rendered forms, each transition
// on the timeline with the signed-in user as its actor; a milestone held by a blocker says which.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { listAccountActions } from '../db/repositories/actions.ts';
import { accountActions, outboxEmails, timelineEvents } from '../db/schema/index.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

/** Real hours: nothing fires by itself during a test, so each transition here is the page's. */
const SLOW = { actionHourSeconds: 3600 };

/** An account on the Standard SaaS Onboarding template, handed to Casey: Kickoff under way. */
async function handedOff(org: TestOrganisation, companyName: string): Promise<string> {
  const created = await org.api('/api/accounts', { body: accountBody({ companyName, templateName: 'Standard SaaS Onboarding' }) });
  expect(created.status).toBe(201);
  const { id } = await created.json() as { id: string };
  const mail = await eventually(async () => (await h.database.db.select().from(outboxEmails)
    .where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link'))))[0], { what: 'the handoff email' });
  const casey = org.csms.find((c) => c.name === 'Casey CSM')!;
  const submitted = await h.app.request(new URL(mail.links[0]!).pathname, { method: 'POST', body: new URLSearchParams({ csmUserId: casey.id }) });
  expect(submitted.status).toBe(200);
  return id;
}

async function actionNamed(org: TestOrganisation, accountId: string, label: string, status?: string) {
  return eventually(async () => {
    const found = (await listAccountActions(h.database.db, org.orgId, accountId)).find((a) => a.label === label);
    return found && (!status || found.status === status) ? found : undefined;
  }, { what: `"${label}"${status ? ` ${status}` : ''}` });
}

const actionPath = (accountId: string, actionId: string, command: string) =>
  `/accounts/${accountId}/actions/${encodeURIComponent(actionId)}/${command}`;

/** Follows a 303 the way a browser does, carrying the one-shot flash cookie it set. */
async function follow(client: DashboardClient, res: Response): Promise<string> {
  expect(res.status).toBe(303);
  const flash = /relay_flash=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  const page = await h.app.request(res.headers.get('location')!, { headers: { cookie: [client.cookie, flash].filter(Boolean).join('; ') } });
  expect(page.status).toBe(200);
  return page.text();
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim();

/** The playbook card. */
const card = (html: string) => /<section class="card" id="playbook"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';

/** One action's item in the card, by label. */
function item(html: string, label: string): { status: string; html: string; text: string } {
  for (const m of card(html).matchAll(/<li data-action-id="[^"]+" data-status="([a-z_]+)"[^>]*>([\s\S]*?)<\/li>/g)) {
    if (m[2]!.includes(`<strong>${label}</strong>`)) return { status: m[1]!, html: m[2]!, text: text(m[2]!) };
  }
  throw new Error(`no action "${label}" on the page`);
}

const flashOf = (html: string) => text(/<p class="flash [a-z]+"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[0] ?? '');

/** The visible text of the page's activity list, one line per event. */
function timelineText(html: string): string[] {
  const list = /<section class="card" id="timeline"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  return [...list.matchAll(/<li data-type="([a-z_]+)">([\s\S]*?)<\/li>/g)].map((m) => `${m[1]}: ${text(m[2]!)}`);
}

describe('the playbook on the account page', () => {
  // Sign-in is rate limited: one organisation and one session for this group, a fresh account per test.
  let org: TestOrganisation;
  let client: DashboardClient;
  beforeAll(async () => {
    org = await h.newOrganisation(SLOW);
    client = await signIn(h, org.adminEmail);
  });

  it('shows the drafted welcome email, and approving it from the page sends it once', async () => {
    const id = await handedOff(org, 'Draft Page Co');
    const welcome = await actionNamed(org, id, 'Welcome email', 'review_pending');
    const html = await (await client.get(`/accounts/${id}`)).text();
    const email = item(html, 'Welcome email');
    expect(email.status).toBe('review_pending');
    expect(email.text).toContain('Email · Draft waiting for review');
    expect(email.text).toContain('Rule-based draft');
    expect(email.html).toContain('value="Welcome email: Draft Page Co"');
    expect(email.html).toMatch(/<textarea[^>]*name="body"[^>]*>Hi Peter,\n\nIntroduce the CSM and propose kickoff times to Peter Gibbons.\n\nYour onboarding plan, and anything we need from you, is here: {{portal_link}}\n\nBest,\nCasey CSM<\/textarea>/);
    expect(email.text).toContain('Approve & send');
    // The call: a blocker, waiting for its time, with the person's options.
    const call = item(html, 'Kickoff call');
    expect(call.text).toMatch(/Blocker Meeting · Waiting until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(call.text).toContain('Run now');
    expect(call.html).toMatch(/<input id="reschedule-[^"]+" name="dueAt" type="datetime-local" value="\d{4}-\d\d-\d\dT\d\d:\d\d"/);
    expect(call.text).toContain('New time (UTC)');
    expect(call.html).toMatch(/name="reason" type="text" value="" required/);
    expect(text(card(html))).toMatch(/^Playbook 1\. Kickoff Welcome email/);

    // Approved as drafted, the way a browser posts a textarea (CRLF): sent once, the draft's label kept.
    const body = welcome.draftBody!.replace(/\n/g, '\r\n');
    const sent = await follow(client, await client.post(actionPath(id, welcome.actionId, 'approve'), { subject: welcome.draftSubject!, body }));
    expect(flashOf(sent)).toBe('"Welcome email" approved and sent to the primary contact.');
    expect(item(sent, 'Welcome email')).toMatchObject({ status: 'executed' });
    expect(item(sent, 'Welcome email').text).toContain('Email · Sent');
    expect(item(sent, 'Welcome email').text).toMatch(/Sent to peter@initech-[^:]+: “Welcome email: Draft Page Co”/);
    expect(item(sent, 'Welcome email').text).toContain('Complete');
    expect(item(sent, 'Welcome email').html).not.toContain('name="subject"');
    // A second press (a double click, a back button) is refused by the workflow, as a message.
    const again = await follow(client, await client.post(actionPath(id, welcome.actionId, 'approve'), { subject: welcome.draftSubject!, body }));
    expect(again).toContain('class="flash error"');
    expect(flashOf(again)).toBe('Not done: "Welcome email" is already executed');
    const emails = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'action_email')));
    // As reviewed, with the customer portal link made for this email in place of its variable.
    expect(emails.map((e) => e.subject)).toEqual(['Welcome email: Draft Page Co']);
    const [portalLink] = /http:\/\/relay\.test\/portal\/[A-Za-z0-9_-]{43}/.exec(emails[0]!.text) ?? [];
    expect(portalLink).toBeDefined();
    expect(emails[0]!.text).toBe(welcome.draftBody!.replace('{{portal_link}}', portalLink!));
    expect((await actionNamed(org, id, 'Welcome email')).drafter).toBe('rule_based');
    expect(timelineText(sent).some((e) => e.startsWith(`action_changed: "Welcome email" sent Playbook action · by Ada Admin · `))).toBe(true);

    // Filing the sent email as completed.
    const filed = await follow(client, await client.post(actionPath(id, welcome.actionId, 'complete')));
    expect(flashOf(filed)).toBe('"Welcome email" completed.');
    expect(item(filed, 'Welcome email').text).toContain('Email · Completed');
  });

  it('sends an edited draft as the reviewer wrote it, and refuses an emptied one beside the field', async () => {
    const id = await handedOff(org, 'Edited Draft Co');
    const welcome = await actionNamed(org, id, 'Welcome email', 'review_pending');
    const emptied = await client.post(actionPath(id, welcome.actionId, 'approve'), { subject: '  ', body: 'Hi Peter' });
    expect(emptied.status).toBe(400);
    const refused = await emptied.text();
    expect(refused).toContain('That was not saved: see the marked field below.');
    const email = item(refused, 'Welcome email');
    expect(email.html).toMatch(/<input type="text" value="  " required="" maxlength="300" id="draft-subject-[^"]+" name="subject" aria-invalid="true" aria-describedby="draft-subject-[^"]+-error"/);
    expect(email.html).toMatch(/<p class="field-error" id="draft-subject-[^"]+-error">subject must not be empty<\/p>/);
    expect(email.html).toContain('>Hi Peter</textarea>');

    const sent = await follow(client, await client.post(actionPath(id, welcome.actionId, 'approve'), { subject: 'Welcome aboard', body: 'Hi Peter,\r\n\r\nShall we meet Tuesday?' }));
    expect(flashOf(sent)).toContain('approved and sent');
    const [mail] = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'action_email')));
    expect([mail!.subject, mail!.text]).toEqual(['Welcome aboard', 'Hi Peter,\n\nShall we meet Tuesday?']);
    expect((await actionNamed(org, id, 'Welcome email')).drafter).toBe('edited');
  });

  it('refuses a skip without a reason beside the field, and skips with one onto the timeline with the user as actor', async () => {
    const id = await handedOff(org, 'Skip Page Co');
    const call = await actionNamed(org, id, 'Kickoff call', 'pending');
    const bare = await client.post(actionPath(id, call.actionId, 'skip'), { reason: '   ' });
    expect(bare.status).toBe(400);
    const page = await bare.text();
    const refused = item(page, 'Kickoff call');
    expect(refused.html).toMatch(/<input id="(skip-[^"]+)" name="reason" type="text" value="   " required="" maxlength="1000"[^>]*aria-invalid="true" aria-describedby="\1-error"/);
    expect(refused.html).toMatch(/<p class="field-error" id="skip-[^"]+-error">reason is required: say why<\/p>/);
    // Only that action's form carries the error.
    expect(item(page, 'Welcome email').html).not.toContain('field-error');
    expect((await actionNamed(org, id, 'Kickoff call')).status).toBe('pending');

    const skipped = await follow(client, await client.post(actionPath(id, call.actionId, 'skip'), { reason: 'Customer met us at the conference instead' }));
    expect(flashOf(skipped)).toBe('"Kickoff call" skipped.');
    const shown = item(skipped, 'Kickoff call');
    expect(shown.status).toBe('skipped');
    expect(shown.text).toContain('Meeting · Skipped: Customer met us at the conference instead');
    expect(shown.html).not.toContain('<form');
    expect(timelineText(skipped)[0]).toMatch(new RegExp(`^action_changed: "Kickoff call" skipped: Customer met us at the conference instead Playbook action · by Ada Admin · `));
    const [event] = await h.database.db.select().from(timelineEvents)
      .where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'action_changed'), eq(timelineEvents.message, '"Kickoff call" skipped: Customer met us at the conference instead')));
    expect(event!.actor).toBe(org.adminEmail);
  });

  it('holds a milestone on its open blocker and says which; reschedules, completes and runs actions now', async () => {
    const id = await handedOff(org, 'Blocker Page Co');
    const call = await actionNamed(org, id, 'Kickoff call', 'pending');
    let html = await (await client.get(`/accounts/${id}`)).text();
    const milestones = /<section class="card" id="milestones"[\s\S]*?<\/section>/.exec(html)![0];
    // Due 7 days after the handoff started it (issue 14: due dates from the plan).
    expect(text(milestones)).toMatch(/1\. Kickoff In progress 7 days · due \d{4}-\d\d-\d\d · started/);
    expect(text(milestones)).toContain('Held by: "Kickoff call" (playbook)');

    html = await follow(client, await client.post(`/accounts/${id}/milestones/${call.milestoneId}/complete`));
    expect(html).toContain('class="flash error"');
    expect(flashOf(html)).toBe('Not done: this milestone cannot be completed while its blocker "Kickoff call" is open');

    // Reschedule: what a datetime-local input posts, read as UTC; nonsense stays beside the field.
    for (const [dueAt, error] of [['', 'choose the new date and time (UTC)'], ['tomorrow', 'not a date and time: use YYYY-MM-DD HH:MM (UTC)'], ['2026-02-30T10:00', 'not a date and time: use YYYY-MM-DD HH:MM (UTC)']] as const) {
      const res = await client.post(actionPath(id, call.actionId, 'reschedule'), { dueAt });
      expect(res.status, dueAt).toBe(400);
      const form = item(await res.text(), 'Kickoff call');
      expect(form.html).toContain(`value="${dueAt}"`);
      expect(form.html).toMatch(new RegExp(`<p class="field-error" id="reschedule-[^"]+-error">${error.replace(/[()]/g, '\\$&')}</p>`));
    }
    const later = new Date(Date.now() + 3 * 86_400_000);
    const local = later.toISOString().slice(0, 16);
    html = await follow(client, await client.post(actionPath(id, call.actionId, 'reschedule'), { dueAt: local }));
    expect(flashOf(html)).toBe(`"Kickoff call" rescheduled to ${local.replace('T', ' ')} UTC.`);
    expect(item(html, 'Kickoff call').text).toContain(`Waiting until ${local.replace('T', ' ')} UTC`);
    expect((await actionNamed(org, id, 'Kickoff call')).dueAt!.toISOString()).toBe(`${local}:00.000Z`);
    // Seconds ahead: the workflow's timer is set again and fires.
    const soon = new Date(Date.now() + 1_000).toISOString().slice(0, 19);
    await follow(client, await client.post(actionPath(id, call.actionId, 'reschedule'), { dueAt: soon }));
    await actionNamed(org, id, 'Kickoff call', 'ready');
    html = await (await client.get(`/accounts/${id}`)).text();
    expect(item(html, 'Kickoff call').text).toMatch(/Meeting · Ready · due \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(item(html, 'Kickoff call').html).not.toContain('name="dueAt"');

    html = await follow(client, await client.post(actionPath(id, call.actionId, 'complete')));
    expect(flashOf(html)).toBe('"Kickoff call" completed.');
    expect(text(/<section class="card" id="milestones"[\s\S]*?<\/section>/.exec(html)![0])).not.toContain('Held by');
    html = await follow(client, await client.post(`/accounts/${id}/milestones/${call.milestoneId}/complete`));
    expect(flashOf(html)).toBe('Milestone completed (1 of 4).');

    // The next milestone: a manual blocker waits for a person until someone runs it.
    const workspace = await actionNamed(org, id, 'Configure workspace', 'pending');
    html = await (await client.get(`/accounts/${id}`)).text();
    expect(item(html, 'Configure workspace').text).toContain('Blocker Task · started by a person · Waiting for a person');
    expect(text(card(html))).toMatch(/1\. Kickoff .* 2\. Configuration Technical questionnaire .* Configure workspace/);
    html = await follow(client, await client.post(actionPath(id, workspace.actionId, 'run')));
    expect(flashOf(html)).toBe('"Configure workspace" is ready.');
    expect(item(html, 'Configure workspace').text).toContain('Task · started by a person · Ready');
    // The same transaction puts the task on the account's list: two events of one instant, in either order.
    const newest = timelineText(html).slice(0, 2);
    expect(newest.some((e) => new RegExp(`^action_changed: "Configure workspace" is ready Playbook action · by Ada Admin`).test(e))).toBe(true);
    expect(newest.some((e) => e.startsWith('task_created: Task added for Casey CSM: Configure workspace (due '))).toBe(true);
    // Run twice: the workflow's refusal, as a message.
    html = await follow(client, await client.post(actionPath(id, workspace.actionId, 'run')));
    expect(flashOf(html)).toBe('Not done: "Configure workspace" has already run (it is ready)');
    // An action that is not this account's: a message, not a page about another account.
    html = await follow(client, await client.post(actionPath(id, 'no-such-action', 'run')));
    expect(flashOf(html)).toBe('Not done: that action is not on this account.');
    expect((await client.post(actionPath(id, workspace.actionId, 'explode'))).status).toBe(404);
  });
});

describe('who may work an account\'s playbook', () => {
  it('answers 404 to another organisation on every action command, changing nothing, and refuses a post without the CSRF token', async () => {
    const orgA = await h.newOrganisation(SLOW);
    const orgB = await h.newOrganisation(SLOW);
    const id = await handedOff(orgA, 'Tenancy Playbook Co');
    const welcome = await actionNamed(orgA, id, 'Welcome email', 'review_pending');
    const call = await actionNamed(orgA, id, 'Kickoff call', 'pending');
    const before = await h.database.db.select().from(accountActions).where(eq(accountActions.accountId, id));
    const events = await h.database.db.select().from(timelineEvents).where(eq(timelineEvents.accountId, id));

    const outsider = await signIn(h, orgB.adminEmail);
    const attempts: [string, Record<string, string>][] = [
      [actionPath(id, welcome.actionId, 'approve'), { subject: 'Hijacked', body: 'Hijacked' }],
      [actionPath(id, call.actionId, 'skip'), { reason: 'outsider' }],
      [actionPath(id, call.actionId, 'skip'), { reason: '' }],
      [actionPath(id, call.actionId, 'reschedule'), { dueAt: '2030-01-01T00:00' }],
      [actionPath(id, call.actionId, 'run'), {}],
      [actionPath(id, call.actionId, 'complete'), {}],
    ];
    for (const [path, fields] of attempts) {
      const res = await outsider.post(path, fields);
      expect(res.status, path).toBe(404);
      const html = await res.text();
      expect(html).toContain('Account not found');
      expect(html).not.toContain('Tenancy Playbook Co');
    }

    const insider = await signIn(h, orgA.adminEmail);
    const forged = await insider.post(actionPath(id, welcome.actionId, 'approve'), {}, { csrf: false });
    expect(forged.status).toBe(403);
    const forgedSkip = await insider.post(actionPath(id, call.actionId, 'skip'), { reason: 'forged' }, { csrf: false });
    expect(forgedSkip.status).toBe(403);

    expect(await h.database.db.select().from(accountActions).where(eq(accountActions.accountId, id))).toEqual(before);
    expect(await h.database.db.select().from(timelineEvents).where(eq(timelineEvents.accountId, id))).toEqual(events);
    expect(await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'action_email')))).toEqual([]);
  });
});
