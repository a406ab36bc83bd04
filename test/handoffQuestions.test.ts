import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handoffs, organisations, outboxEmails } from '../db/schema/index.ts';
import { DEFAULT_HANDOFF_QUESTIONS } from '../domain/handoffQuestions.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

const settingsOf = async (orgId: string) => (await h.database.db.select().from(organisations).where(eq(organisations.id, orgId)))[0]!.settings;
const handoffOf = async (accountId: string) => (await h.database.db.select().from(handoffs).where(eq(handoffs.accountId, accountId)))[0]!;

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

/**
 * What a browser would post for the questions editor as rendered: text and hidden inputs, ticked
 * checkboxes, textareas and the selected option of each select.
 */
function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [tag] of html.matchAll(/<input\b[^>]*>/g)) {
    const name = attr(tag, 'name');
    if (!name?.startsWith('questions[')) continue;
    if (attr(tag, 'type') === 'checkbox' && !/\schecked(\s|=|>|\/)/.test(tag)) continue;
    fields[name] = decode(attr(tag, 'value') ?? '');
  }
  for (const m of html.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    const name = attr(m[1]!, 'name');
    if (name?.startsWith('questions[')) fields[name] = decode(m[2]!);
  }
  for (const m of html.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const name = attr(m[1]!, 'name');
    const selected = /<option\b[^>]*value="([^"]*)"[^>]*\sselected/.exec(m[2]!)?.[1];
    if (name?.startsWith('questions[') && selected !== undefined) fields[name] = decode(selected);
  }
  return fields;
}

const questionTexts = (fields: Record<string, string>) =>
  Object.entries(fields).filter(([k]) => /^questions\[\d+\]\[text\]$/.test(k))
    .sort(([a], [b]) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0])).map(([, v]) => v);

/** Presses one of the editor's buttons with the form as it stands; returns the re-rendered form. */
async function press(admin: DashboardClient, fields: Record<string, string>, op: string): Promise<Record<string, string>> {
  const res = await admin.post('/settings/questions', { ...fields, _op: op });
  expect(res.status).toBe(200);
  return formFields(await res.text());
}

async function createAccount(org: TestOrganisation, overrides: Record<string, unknown> = {}) {
  const created = await org.api('/api/accounts', { body: accountBody(overrides) });
  expect(created.status).toBe(201);
  const { id } = await created.json() as { id: string };
  const link = await eventually(async () => (await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.accountId, id)))
    .find((e) => e.kind === 'handoff_link')?.links[0], { what: 'the handoff email' });
  return { id, path: new URL(link).pathname };
}

const postHandoff = (path: string, fields: Record<string, string>) => h.app.request(path, { method: 'POST', body: new URLSearchParams(fields) });

const PLAN_KEY = 'which_plan_did_they_buy';
const SSO_KEY = 'do_they_need_sso_on_day_one';

describe('handoff questions configured by an admin', () => {
  it('edits the questions without JavaScript; new handoffs ask them by kind, open ones keep theirs', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const before = await createAccount(org, { companyName: 'Before The Edit Ltd' });

    expect(await (await admin.get('/settings')).text()).toContain('href="/settings/questions"');
    const editor = await admin.get('/settings/questions');
    expect(editor.status).toBe(200);
    const editorHtml = await editor.text();
    expect(editorHtml).toContain('name="_csrf"');
    let form = formFields(editorHtml);
    expect(questionTexts(form)).toEqual(DEFAULT_HANDOFF_QUESTIONS.map((q) => q.question));

    // Remove "stakeholders", add two questions, fill them in, move the plan question to the top.
    form = await press(admin, form, 'remove:2');
    expect(questionTexts(form)).not.toContain('Who are the stakeholders and decision makers?');
    expect(questionTexts(form)).toHaveLength(6);
    form = await press(admin, form, 'add');
    form = await press(admin, { ...form,
      'questions[6][text]': 'Which plan did they buy?', 'questions[6][kind]': 'multiple_choice', 'questions[6][required]': 'on',
      'questions[6][options]': 'Starter\nGrowth\n\nEnterprise', 'questions[6][help]': 'As written on the order form.',
    }, 'add');
    form = { ...form, 'questions[7][text]': 'Do they need SSO on day one?', 'questions[7][kind]': 'yes_no', 'questions[0][text]': 'What outcome does the customer want?' };
    for (let i = 6; i > 0; i -= 1) form = await press(admin, form, `move-up:${i}`);
    expect(questionTexts(form)[0]).toBe('Which plan did they buy?');
    expect(questionTexts(form)[1]).toBe('What outcome does the customer want?');
    // Reshaping the form saved nothing.
    expect((await settingsOf(org.orgId)).handoffQuestions).toBeUndefined();

    const saved = await admin.post('/settings/questions', { ...form, _op: 'save' });
    expect(saved.status).toBe(303);
    const savedPage = await (await admin.get(saved.headers.get('location')!)).text();
    expect(savedPage).toContain('Saved.');
    const expectedKeys = [PLAN_KEY, 'goals', 'success_criteria', 'technical_requirements', 'risks', 'timeline', 'competitive_context', SSO_KEY];
    const stored = (await settingsOf(org.orgId)).handoffQuestions!;
    expect(stored.map((q) => q.key)).toEqual(expectedKeys);
    expect(stored[0]).toMatchObject({ question: 'Which plan did they buy?', kind: 'multiple_choice', required: true, options: ['Starter', 'Growth', 'Enterprise'], help: 'As written on the order form.' });
    expect(stored[1]).toMatchObject({ key: 'goals', question: 'What outcome does the customer want?', kind: 'long_text', required: false });

    // A new account's handoff asks exactly these questions, in this order, with their kinds.
    const after = await createAccount(org, { companyName: 'After The Edit Ltd' });
    const qa = (await handoffOf(after.id)).qa;
    expect(qa.map((q) => q.key)).toEqual(expectedKeys);
    expect(qa[0]).toMatchObject({ kind: 'multiple_choice', required: true, options: ['Starter', 'Growth', 'Enterprise'], answer: '', verified: false });
    expect(qa.at(-1)).toMatchObject({ kind: 'yes_no', answer: '' });

    const page = await h.app.request(after.path);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toMatch(/<fieldset[^>]*aria-describedby="answer_which_plan_did_they_buy-help"[^>]*><legend>Which plan did they buy\?<span class="required">required<\/span>/);
    expect(html).toContain('<p class="help" id="answer_which_plan_did_they_buy-help">As written on the order form.</p>');
    for (const option of ['Starter', 'Growth', 'Enterprise']) expect(html).toMatch(new RegExp(`type="radio"[^>]*name="answer_${PLAN_KEY}" value="${option}"`));
    expect(html).toMatch(new RegExp(`type="radio"[^>]*name="answer_${SSO_KEY}" value="yes"`));
    expect(html).toMatch(new RegExp(`type="radio"[^>]*name="answer_${SSO_KEY}" value="no"`));
    expect(html).toContain('<textarea id="answer_goals" name="answer_goals"');
    expect(html).not.toContain('Who are the stakeholders');

    // Missing the required answer: the page comes back with what was typed, and nothing is submitted.
    const casey = org.csms[0]!;
    const refused = await postHandoff(after.path, { answer_goals: 'Retire the TPS spreadsheet', [`answer_${SSO_KEY}`]: 'yes', csmUserId: casey.id });
    expect(refused.status).toBe(400);
    const refusedHtml = await refused.text();
    expect(refusedHtml).toContain('<p class="field-error" id="answer_which_plan_did_they_buy-error">This question is required: choose an answer.</p>');
    expect(refusedHtml).toContain('Retire the TPS spreadsheet');
    expect(refusedHtml).toMatch(new RegExp(`name="answer_${SSO_KEY}" value="yes" checked`));
    expect(refusedHtml).toMatch(new RegExp(`<option value="${casey.id}" selected`));
    const wrongChoice = await postHandoff(after.path, { [`answer_${PLAN_KEY}`]: 'Platinum', csmUserId: casey.id });
    expect(wrongChoice.status).toBe(400);
    expect(await wrongChoice.text()).toContain('Choose one of the options listed.');
    expect((await handoffOf(after.id)).submittedAt).toBeNull();
    expect((await (await org.api(`/api/accounts/${after.id}`)).json() as { status: string }).status).toBe('pending_handoff');

    const done = await postHandoff(after.path, {
      [`answer_${PLAN_KEY}`]: 'Growth', [`answer_${SSO_KEY}`]: 'no', answer_goals: 'Retire the TPS spreadsheet', answer_timeline: 'Live by March', csmUserId: casey.id,
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Thank you');
    await eventually(async () => (await (await org.api(`/api/accounts/${after.id}`)).json() as { status: string }).status === 'active', { what: 'the account to become active' });
    const answered = (await handoffOf(after.id)).qa;
    expect(answered.find((q) => q.key === PLAN_KEY)).toMatchObject({ answer: 'Growth', verified: true, question: 'Which plan did they buy?' });
    expect(answered.find((q) => q.key === SSO_KEY)).toMatchObject({ answer: 'no', verified: true });
    expect(answered.find((q) => q.key === 'goals')).toMatchObject({ answer: 'Retire the TPS spreadsheet', question: 'What outcome does the customer want?' });

    // The account created before the edit still shows the questions it was sent with.
    const oldPage = await (await h.app.request(before.path)).text();
    expect(oldPage).toContain('What does the customer want to achieve?');
    expect(oldPage).toContain('Who are the stakeholders and decision makers?');
    expect(oldPage).not.toContain('Which plan did they buy?');
    expect(oldPage).not.toContain('type="radio"');
    expect((await handoffOf(before.id)).qa.map((q) => q.key)).toEqual(DEFAULT_HANDOFF_QUESTIONS.map((q) => q.key));
  });

  it('refuses bad questions field by field and saves nothing', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const form = formFields(await (await admin.get('/settings/questions')).text());

    const bad = await admin.post('/settings/questions', {
      ...form, _op: 'save',
      'questions[0][text]': '   ',
      'questions[1][text]': 'x'.repeat(301),
      'questions[2][kind]': 'multiple_choice', 'questions[2][options]': 'Only one',
      'questions[3][kind]': 'essay',
      'questions[4][key]': 'goals',
    });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('Nothing was saved');
    expect(html).toMatch(/id="f-questions-0-text-error">Question text is required</);
    expect(html).toMatch(/id="f-questions-1-text-error">Question text is at most 300 characters</);
    expect(html).toMatch(/id="f-questions-2-options-error">A multiple-choice question needs 2 to 10 options/);
    expect(html).toMatch(/id="f-questions-3-kind-error">Choose a kind of answer</);
    expect(html).toMatch(/id="f-questions-4-key-error">Two questions have the same key/);
    // What the admin typed comes back.
    expect(formFields(html)['questions[2][options]']).toBe('Only one');

    const tooMany: Record<string, string> = {};
    for (let i = 0; i < 21; i += 1) Object.assign(tooMany, { [`questions[${i}][text]`]: `Question number ${i}?`, [`questions[${i}][kind]`]: 'text' });
    const crowded = await admin.post('/settings/questions', { ...tooMany, _op: 'save' });
    expect(crowded.status).toBe(422);
    expect(await crowded.text()).toContain('At most 20 questions');

    const none = await admin.post('/settings/questions', { _op: 'save' });
    expect(none.status).toBe(422);
    expect(await none.text()).toContain('Keep at least one question');

    expect((await admin.post('/settings/questions', { ...form, _op: 'explode:1' })).status).toBe(400);
    expect((await settingsOf(org.orgId)).handoffQuestions).toBeUndefined();
  });

  it('gives a new question a key from its text, unique, and resets to the defaults', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const saved = await admin.post('/settings/questions', {
      _op: 'save',
      'questions[0][text]': 'Budget owner?', 'questions[0][kind]': 'text',
      'questions[1][text]': 'Budget owner!', 'questions[1][kind]': 'text', 'questions[1][required]': 'on',
    });
    expect(saved.status).toBe(303);
    expect((await settingsOf(org.orgId)).handoffQuestions).toEqual([
      { key: 'budget_owner', question: 'Budget owner?', kind: 'text', required: false },
      { key: 'budget_owner_2', question: 'Budget owner!', kind: 'text', required: true },
    ]);
    const page = await (await admin.get('/settings/questions')).text();
    expect(page).toContain('Reset to the default questions');
    expect(questionTexts(formFields(page))).toEqual(['Budget owner?', 'Budget owner!']);

    const reset = await admin.post('/settings/questions/reset');
    expect(reset.status).toBe(303);
    const after = await (await admin.get(reset.headers.get('location')!)).text();
    expect(after).toContain('Reset:');
    expect(questionTexts(formFields(after))).toEqual(DEFAULT_HANDOFF_QUESTIONS.map((q) => q.question));
    const settings = await settingsOf(org.orgId);
    expect(settings).not.toHaveProperty('handoffQuestions');
    // The other settings survive both the save and the reset.
    expect(settings.handoffTokenTtlSeconds).toBe(14 * 86_400);
  });

  it('is not for CSMs', async () => {
    const org = await h.newOrganisation();
    const csm = await signIn(h, org.csms[0]!.email);
    expect((await csm.get('/settings/questions')).status).toBe(403);
    expect((await csm.post('/settings/questions', { _op: 'save', 'questions[0][text]': 'Hijacked?', 'questions[0][kind]': 'text' })).status).toBe(403);
    expect((await csm.post('/settings/questions/reset')).status).toBe(403);
    expect((await settingsOf(org.orgId)).handoffQuestions).toBeUndefined();
    // And an admin's form without the CSRF token is refused too.
    const admin = await signIn(h, org.adminEmail);
    expect((await admin.post('/settings/questions', { _op: 'save', 'questions[0][text]': 'No token?', 'questions[0][kind]': 'text' }, { csrf: false })).status).toBe(403);
    expect((await settingsOf(org.orgId)).handoffQuestions).toBeUndefined();
  });
});
