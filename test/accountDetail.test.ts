import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { accounts, contacts, notes, outboxEmails, tasks, timelineEvents } from '../db/schema/index.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

async function emails(accountId: string) {
  return h.database.db.select({ kind: outboxEmails.kind, to: outboxEmails.toAddresses, text: outboxEmails.text, links: outboxEmails.links })
    .from(outboxEmails).where(eq(outboxEmails.accountId, accountId));
}

/** An account whose handoff email has gone out (so its Q&A is drafted and its link is open). */
async function pendingAccount(org: TestOrganisation, overrides: Record<string, unknown> = {}) {
  const body = accountBody(overrides);
  const res = await org.api('/api/accounts', { body });
  expect(res.status).toBe(201);
  const { id } = await res.json() as { id: string };
  const mail = await eventually(async () => (await emails(id)).find((e) => e.kind === 'handoff_link'), { what: 'the handoff email' });
  return { id, body, handoffPath: new URL(mail.links[0]!).pathname };
}

/** An account the AE has handed over to the org's first CSM: active, first milestone under way. */
async function activeAccount(org: TestOrganisation, overrides: Record<string, unknown> = {}) {
  const account = await pendingAccount(org, overrides);
  const submitted = await h.app.request(account.handoffPath, { method: 'POST', body: new URLSearchParams({ csmUserId: org.csms[0]!.id }) });
  expect(submitted.status).toBe(200);
  return account;
}

/** Follows a 303 the way a browser does, carrying the one-shot flash cookie it set. */
async function follow(client: DashboardClient, res: Response): Promise<string> {
  expect(res.status).toBe(303);
  const flash = /relay_flash=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  const page = await h.app.request(res.headers.get('location')!, { headers: { cookie: [client.cookie, flash].filter(Boolean).join('; ') } });
  expect(page.status).toBe(200);
  return page.text();
}

/** The visible text of the page's activity list, one line per event. */
function timelineText(html: string): string[] {
  const list = /<section class="card" id="timeline"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  return [...list.matchAll(/<li data-type="([a-z_]+)">([\s\S]*?)<\/li>/g)].map((m) => `${m[1]}: ${m[2]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()}`);
}

describe('the account page', () => {
  // Sign-in is rate limited (10 a minute per app): one organisation and one session for this
  // group, and a fresh account in every test, so no test reads another's data.
  let org: TestOrganisation;
  let client: DashboardClient;
  beforeAll(async () => {
    org = await h.newOrganisation();
    client = await signIn(h, org.adminEmail);
  });

  it('shows the overview, milestones and the drafted Q&A of an account waiting for its AE, and resends the link', async () => {
    const { id } = await pendingAccount(org, { companyName: 'Globex Page Co' });
    const html = await (await client.get(`/accounts/${id}`)).text();
    expect(html).toContain('Globex Page Co');
    expect(html).toContain('$120,000');
    expect(html).toContain('MRR $10,000');
    expect(html).toContain('Pending handoff');
    expect(html).toContain('Standard SaaS Onboarding <span class="muted">v1</span>');
    expect(html).toContain('0 / 4');
    expect(html).toContain('1. Kickoff');
    expect(html).toContain('Drafted by rules — unverified');
    expect(html).toContain('What does the customer want to achieve');
    expect(html).toMatch(/The link expires <time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
    expect(html).toContain(`href="http://temporal-ui.test/namespaces/default/workflows/account-${id}"`);
    // Milestones cannot be worked before the handoff: no buttons to press.
    expect(html).not.toContain('aria-label="Complete milestone');

    const resent = await follow(client, await client.post(`/accounts/${id}/handoff/resend`));
    expect(resent).toContain('A new handoff link is on its way');
    expect((await emails(id)).filter((e) => e.kind === 'handoff_link')).toHaveLength(2);
  });

  it('changes status with a note that lands in the timeline with who did it, and filters the timeline by type', async () => {
    const { id } = await activeAccount(org);
    const page = await follow(client, await client.post(`/accounts/${id}/status`, { status: 'at_risk', note: 'Champion left the company' }));
    expect(page).toContain('Status changed to at risk');
    const events = timelineText(page);
    // Statuses in words, and the person by name (issue 14).
    expect(events[0]).toMatch(/^status_changed: Status Active → At risk: Champion left the company Status change · by Ada Admin · \d{4}-/);

    const filtered = await (await client.get(`/accounts/${id}?type=status_changed`)).text();
    const shown = timelineText(filtered);
    expect(shown.length).toBe(2);
    expect(shown.every((e) => e.startsWith('status_changed:'))).toBe(true);
    expect(timelineText(await (await client.get(`/accounts/${id}`)).text()).some((e) => e.startsWith('handoff_submitted:'))).toBe(true);
    const bogus = await client.get(`/accounts/${id}?type=bogus`);
    expect(bogus.status).toBe(400);
    expect(await bogus.text()).toContain('not a kind of event the timeline records');
  });

  it('shows a refused transition as an error message, not an error page, and an empty choice inline', async () => {
    const { id } = await pendingAccount(org);
    // Only the AE's handoff makes an account active: the workflow refuses it from the dashboard.
    const refused = await follow(client, await client.post(`/accounts/${id}/status`, { status: 'active' }));
    expect(refused).toContain('class="flash error"');
    expect(refused).toContain('an account becomes active when the AE submits the handoff');
    expect(refused).toContain('Pending handoff');

    const empty = await client.post(`/accounts/${id}/status`, { status: '', note: 'typed but no status' });
    expect(empty.status).toBe(400);
    const html = await empty.text();
    expect(html).toContain('choose the new status');
    expect(html).toContain('typed but no status');
  });

  it('reassigns the CSM, emailing exactly the people the options name', async () => {
    const { id, body } = await activeAccount(org);
    const [, robin, sam] = org.csms;
    const page = await follow(client, await client.post(`/accounts/${id}/csm`, {
      csmEmail: robin!.email, notifyCsm: 'yes', notifyContact: 'yes', note: 'Robin covers EMEA from now on',
    }));
    expect(page).toContain('Robin CSM is now the CSM; emailed the CSM and the customer contact');
    expect(page).toContain(`Robin CSM (${robin!.email})`);
    const afterRobin = await emails(id);
    expect(afterRobin.filter((e) => e.kind === 'csm_assigned' && e.to[0] === robin!.email)).toHaveLength(1);
    const intro = afterRobin.filter((e) => e.kind === 'csm_intro_to_contact');
    expect(intro.map((e) => e.to)).toEqual([[body.primaryContactEmail]]);
    expect(intro[0]!.text).toContain('Robin covers EMEA');

    // Unticked boxes mean nobody is told.
    await follow(client, await client.post(`/accounts/${id}/csm`, { csmEmail: sam!.email }));
    const afterSam = await emails(id);
    expect(afterSam.some((e) => e.to.includes(sam!.email))).toBe(false);
    expect(afterSam.filter((e) => e.kind === 'csm_intro_to_contact')).toHaveLength(1);
    const events = timelineText(await (await client.get(`/accounts/${id}?type=csm_assigned`)).text());
    expect(events[0]).toContain('CSM changed from Robin CSM to Sam CSM CSM assigned · by Ada Admin');
    // The transition note is shown beside its change (issue 14).
    expect(events[1]).toContain('to Robin CSM — Robin covers EMEA from now on CSM assigned · by Ada Admin');
    // Both emails sent from the dashboard are on the timeline once, as the handoff email is; none for Sam's silent change.
    const sent = timelineText(await (await client.get(`/accounts/${id}?type=email_sent`)).text());
    expect(sent.filter((e) => e.includes(`Assignment emailed to Robin CSM (${robin!.email})`))).toHaveLength(1);
    expect(sent.filter((e) => e.includes(`CSM introduction emailed to Peter Gibbons (${body.primaryContactEmail})`))).toHaveLength(1);
    expect(sent.some((e) => e.includes(sam!.email))).toBe(false);
  });

  it('names every actor one way: people by name, system steps in words', async () => {
    const { id } = await activeAccount(org);
    await follow(client, await client.post(`/accounts/${id}/status`, { status: 'at_risk', note: 'Quiet for weeks' }));
    const events = timelineText(await (await client.get(`/accounts/${id}`)).text());
    const by = (type: string) => events.filter((e) => e.startsWith(`${type}:`)).map((e) => /· by (.+?) · \d{4}-/.exec(e)?.[1]);
    expect(by('account_created')).toEqual(['Relay']);
    expect(by('handoff_submitted')).toEqual(['AE (handoff link)']);
    expect(new Set(by('status_changed'))).toEqual(new Set(['AE (handoff link)', 'Ada Admin']));
    expect(events.join('\n')).not.toMatch(/by (ae|handoff|relay) ·/);
    expect(events.join('\n')).not.toMatch(/pending_handoff|at_risk/);
  });

  it('completes milestones one by one, then offers to mark the account completed instead of doing it', async () => {
    const { id } = await activeAccount(org, { templateName: 'Quick Start' });
    let html = await (await client.get(`/accounts/${id}`)).text();
    const ids = [...html.matchAll(/\/milestones\/([0-9a-f-]{36})\/complete/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    html = await follow(client, await client.post(`/accounts/${id}/milestones/${ids[0]}/complete`));
    expect(html).toContain('Milestone completed (1 of 2)');
    expect(html).not.toContain('Mark completed');
    html = await follow(client, await client.post(`/accounts/${id}/milestones/${ids[1]}/complete`));
    expect(html).toContain('Last milestone completed');
    expect(html).toContain('Mark completed');
    expect(html).toMatch(/<h1>[^<]*<span class="status status-active">Active<\/span><\/h1>/);
    // Completing one twice is the workflow's refusal, shown as a message.
    const again = await follow(client, await client.post(`/accounts/${id}/milestones/${ids[1]}/complete`));
    expect(again).toContain('class="flash error"');
    html = await follow(client, await client.post(`/accounts/${id}/status`, { status: 'completed', note: 'All milestones completed' }));
    expect(html).toMatch(/<h1>[^<]*<span class="status status-completed">Completed<\/span><\/h1>/);
  });

  it('adds and completes tasks, flags overdue ones, and refuses a task without a title', async () => {
    const { id } = await pendingAccount(org);
    const bad = await client.post(`/accounts/${id}/tasks`, { title: '  ', dueDate: '2026-13-01' });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('the task needs a title');
    expect(badHtml).toContain('due date must be a real date');
    expect(badHtml).toContain('value="2026-13-01"');
    expect(await h.database.db.select().from(tasks).where(eq(tasks.accountId, id))).toEqual([]);

    let html = await follow(client, await client.post(`/accounts/${id}/tasks`, { title: 'Send the SSO checklist', dueDate: '2020-01-15' }));
    expect(html).toContain('Task added: Send the SSO checklist');
    expect(html).toMatch(/Send the SSO checklist<span class="status status-overdue"[^>]*>Overdue<\/span>/);
    await follow(client, await client.post(`/accounts/${id}/tasks`, { title: 'Book the kickoff call', dueDate: '' }));
    const [task] = await h.database.db.select().from(tasks).where(and(eq(tasks.accountId, id), eq(tasks.title, 'Send the SSO checklist')));
    html = await follow(client, await client.post(`/accounts/${id}/tasks/${task!.id}/complete`));
    expect(html).toContain('Task done.');
    expect(html).toContain('<s>Send the SSO checklist</s>');
    expect(html).not.toContain('>Overdue<');
    expect(html).toContain('1 open');
    const events = timelineText(html);
    expect(events.filter((e) => e.startsWith('task_'))).toEqual([
      expect.stringMatching(/^task_completed: Task completed: Send the SSO checklist .* by Ada Admin · /),
      expect.stringMatching(/^task_created: Task added: Book the kickoff call /),
      expect.stringMatching(/^task_created: Task added: Send the SSO checklist \(due 2020-01-15\) /),
    ]);
  });

  it('lists the primary contact first, then added contacts, and refuses the same person twice', async () => {
    const { id } = await pendingAccount(org);
    const html = await follow(client, await client.post(`/accounts/${id}/contacts`, { name: 'Milton Waddams', email: 'Milton@Initech.example', role: 'Stapler owner' }));
    const section = /<section class="card" id="contacts"[\s\S]*?<\/section>/.exec(html)![0];
    expect(section.indexOf('Peter Gibbons')).toBeLessThan(section.indexOf('Milton Waddams'));
    expect(section).toContain('Primary');
    expect(section).toContain('milton@initech.example');
    const twice = await client.post(`/accounts/${id}/contacts`, { name: 'Milton W', email: 'milton@initech.example' });
    expect(twice.status).toBe(400);
    expect(await twice.text()).toContain('already a contact');
    expect(await h.database.db.select().from(contacts).where(eq(contacts.accountId, id))).toHaveLength(1);
    expect(timelineText(html).some((e) => e.startsWith('contact_added: Contact added: Milton Waddams (Stapler owner)'))).toBe(true);
  });

  it('renders notes as markdown with their author, and never lets their HTML run', async () => {
    const { id } = await pendingAccount(org);
    const body = [
      '**Kickoff** went well, see https://docs.example/plan',
      '',
      '<script>alert(1)</script>',
      '',
      '<img src=x onerror=alert(2)>',
      '',
      '[click](javascript:alert(3))',
    ].join('\n');
    const html = await follow(client, await client.post(`/accounts/${id}/notes`, { body }));
    const section = /<section class="card" id="notes"[\s\S]*?<\/section>/.exec(html)![0];
    expect(section).toContain('<strong>Kickoff</strong>');
    expect(section).toContain('<a href="https://docs.example/plan" rel="noopener nofollow">https://docs.example/plan</a>');
    expect(section).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(section).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(section).not.toMatch(/<script|<img|href="javascript:/i);
    expect(section).toContain('Ada Admin');
    expect(await h.database.db.select({ body: notes.body }).from(notes).where(eq(notes.accountId, id))).toEqual([{ body }]);
    const [event] = await h.database.db.select().from(timelineEvents).where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'note')));
    expect(event).toMatchObject({ actor: org.adminEmail, message: 'Note added: **Kickoff** went well, see https://docs.example/plan' });
    // The timeline's note entry renders the same safe subset, inline (issue 14).
    const timeline = /<section class="card" id="timeline"[\s\S]*?<\/section>/.exec(html)![0];
    const entry = /<li data-type="note">[\s\S]*?<\/li>/.exec(timeline)![0];
    expect(entry).toContain('Note added: <strong>Kickoff</strong> went well');
    expect(entry).not.toContain('**');
  });

  it('renders the notes from creation as the same safe markdown, never running their HTML', async () => {
    const { id } = await pendingAccount(org, { notes: '**Priority** customer, see https://docs.example/deal\n\n<script>alert(1)</script>' });
    const html = await (await client.get(`/accounts/${id}`)).text();
    const notesHtml = /<div class="markdown" data-creation-notes[^>]*>[\s\S]*?<\/div>/.exec(html)![0];
    expect(notesHtml).toContain('<strong>Priority</strong> customer');
    expect(notesHtml).toContain('rel="noopener nofollow"');
    expect(notesHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(notesHtml).not.toContain('**');
    expect(notesHtml).not.toMatch(/<script/i);
  });

  it('says in words that a new account is being set up, and refreshes itself until it is', async () => {
    // With no worker the run cannot copy milestones or draft the Q&A: the page is caught mid set-up.
    for (const running of h.running()) await running.stop();
    let id: string;
    try {
      const res = await org.api('/api/accounts', { body: accountBody() });
      expect(res.status).toBe(201);
      ({ id } = await res.json() as { id: string });
      const waiting = await (await client.get(`/accounts/${id}`)).text();
      expect(waiting).toContain('<meta http-equiv="refresh" content="3"/>');
      expect(waiting).toContain('Relay is setting up this account');
      expect(waiting).toContain('This page refreshes itself every 3 seconds');
      expect(waiting).not.toContain('0 / 0');
      expect(waiting).toContain('Being set up');
      // Still pending long after create: stuck, so it stops refreshing and says where to look.
      await h.database.db.update(accounts).set({ createdAt: new Date(Date.now() - 60 * 60_000) }).where(eq(accounts.id, id));
      const stuck = await (await client.get(`/accounts/${id}`)).text();
      expect(stuck).not.toContain('http-equiv="refresh"');
      expect(stuck).toContain('It is taking longer than it should');
    } finally {
      await h.startWorker();
    }
    const ready = await eventually(async () => {
      const html = await (await client.get(`/accounts/${id}`)).text();
      return html.includes('Drafted by rules') ? html : undefined;
    }, { what: 'the account to be set up' });
    expect(ready).not.toContain('http-equiv="refresh"');
    expect(ready).not.toContain('Relay is setting up this account');
    expect(ready).toContain('0 / 4');
  });

  it('shows a company named like markup as text', async () => {
    const { id } = await pendingAccount(org, { companyName: '<script>alert(1)</script>' });
    const html = await (await client.get(`/accounts/${id}`)).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('who may see and change an account', () => {
  it('answers 404 to another organisation for the page and every action, changing nothing', async () => {
    const orgA = await h.newOrganisation();
    const orgB = await h.newOrganisation();
    const { id } = await activeAccount(orgA);
    const outsider = await signIn(h, orgB.adminEmail);
    const page = await outsider.get(`/accounts/${id}`);
    expect(page.status).toBe(404);
    const html = await page.text();
    expect(html).toContain('Account not found');
    expect(html).not.toContain('Initech');
    expect((await outsider.get('/accounts/00000000-0000-0000-0000-000000000000')).status).toBe(404);

    const insider = await signIn(h, orgA.adminEmail);
    const ownPage = await (await insider.get(`/accounts/${id}`)).text();
    const milestoneId = /\/milestones\/([0-9a-f-]{36})\/complete/.exec(ownPage)![1];
    await follow(insider, await insider.post(`/accounts/${id}/tasks`, { title: 'Insider task' }));
    const [task] = await h.database.db.select().from(tasks).where(eq(tasks.accountId, id));
    const before = await h.database.db.select().from(timelineEvents).where(eq(timelineEvents.accountId, id));

    const attempts: [string, Record<string, string>][] = [
      [`/accounts/${id}/status`, { status: 'churned', note: 'x' }],
      [`/accounts/${id}/csm`, { csmEmail: orgB.csms[0]!.email, notifyCsm: 'yes' }],
      [`/accounts/${id}/milestones/${milestoneId}/complete`, {}],
      [`/accounts/${id}/handoff/resend`, {}],
      [`/accounts/${id}/tasks`, { title: 'Outsider task' }],
      [`/accounts/${id}/tasks/${task!.id}/complete`, {}],
      [`/accounts/${id}/contacts`, { name: 'Outsider', email: 'out@side.example' }],
      [`/accounts/${id}/notes`, { body: 'outsider note' }],
    ];
    for (const [path, fields] of attempts) {
      const res = await outsider.post(path, fields);
      expect(res.status, path).toBe(404);
    }
    // A bad form on someone else's account is still a 404, not a page with their data.
    expect((await outsider.post(`/accounts/${id}/tasks`, { title: '' })).status).toBe(404);
    expect(await h.database.db.select().from(timelineEvents).where(eq(timelineEvents.accountId, id))).toEqual(before);
    expect((await h.database.db.select().from(tasks).where(eq(tasks.accountId, id))).map((t) => [t.title, t.completedAt])).toEqual([['Insider task', null]]);
    expect(ownPage).toContain('Active');
  });

  it('refuses an action posted without the CSRF token', async () => {
    const org = await h.newOrganisation();
    const { id } = await pendingAccount(org);
    const client = await signIn(h, org.adminEmail);
    const res = await client.post(`/accounts/${id}/notes`, { body: 'forged' }, { csrf: false });
    expect(res.status).toBe(403);
    expect(await h.database.db.select().from(notes).where(eq(notes.accountId, id))).toEqual([]);
  });
});
