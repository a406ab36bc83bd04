// Playbook emails drafted by AI (issue 12): OpenAI (the real SDK, pointed at a fake of its API) drafts
// an email action's subject and body from the account, the handoff Q&A and the milestone, with
// `{{variables}}` filled at send; the draft is labelled with its model. A failure no retry can fix
// falls back to the rule-based draft at once, a passing one after the drafting policy's attempts,
// labelled as such; the workflow never waits on a broken model.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxEmails } from '../db/schema/index.ts';
import { DEFAULT_HANDOFF_QUESTIONS } from '../domain/handoffQuestions.ts';
import { parseDraftedEmail, withSchedulingLink } from '../integrations/drafting/actionEmailPrompt.ts';
import type { ActionEmailContext } from '../integrations/drafting/drafter.ts';
import { DraftingError } from '../integrations/drafting/draftingError.ts';
import { createOpenAiDrafter } from '../integrations/drafting/openAiDrafter.ts';
import { signIn } from './dashboardClient.ts';
import { openAiReply, startOpenAiFake, type OpenAiFake, type OpenAiReply } from './fakes/openaiFake.ts';
import { createHarness, eventually, handedOffAccount, type Harness, type TestOrganisation } from './harness.ts';

const API_KEY = 'sk-test-relay-fake';
const MODEL = 'gpt-4o-mini';

/** The handoff's answers as the fake model gives them: the goal is the one the email should use. */
const handoffAnswers = openAiReply.answers(DEFAULT_HANDOFF_QUESTIONS.map((q) => ({
  key: q.key, answer: q.key === 'goals' ? 'Replace spreadsheets for TPS reports by March.' : '', confidence: q.key === 'goals' ? 0.9 : 0,
})));

const AI_EMAIL = {
  subject: 'Welcome aboard, {{company_name}}',
  body: 'Hi {{primary_contact_first_name}},\n\nI am {{csm_name}}, your CSM. Let us get your TPS reports out of spreadsheets by March.\n\nBest,\n{{csm_name}}',
};

let fake: OpenAiFake;
let h: Harness;
beforeAll(async () => {
  fake = await startOpenAiFake({ apiKey: API_KEY });
  h = await createHarness({
    activityDeps: { drafter: createOpenAiDrafter({ apiKey: API_KEY, baseURL: fake.baseURL, model: MODEL, timeoutMs: 1000 }), draftRetryDelayMs: 50 },
  });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

interface ActionView { actionId: string; label: string; status: string; draftSubject: string | null; draftBody: string | null; drafter: string | null }

/** An account on Standard SaaS Onboarding handed off to Casey, and its welcome email once drafted. */
async function draftedWelcome(org: TestOrganisation, companyName: string, emailReply: OpenAiReply) {
  fake.always(openAiReply.byFormat({ handoff_answers: handoffAnswers, action_email: emailReply }));
  const { id } = await handedOffAccount(h, org, { companyName, templateName: 'Standard SaaS Onboarding' });
  const welcome = await eventually(async () => {
    const { items } = await (await org.api(`/api/accounts/${id}/actions`)).json() as { items: ActionView[] };
    return items.find((a) => a.label === 'Welcome email' && a.status === 'review_pending');
  }, { what: 'the welcome email drafted', timeoutMs: 60_000 });
  const prompts = fake.completions().filter((c) => c.response_format?.json_schema?.name === 'action_email' && c.messages.some((m) => m.content.includes(companyName)));
  return { id, welcome, prompts };
}

describe('AI-drafted playbook emails (real Temporal, real Postgres, fake OpenAI)', () => {
  it('drafts from the account, the handoff Q&A and the milestone, labels the draft with its model, and fills the variables at send', async () => {
    const org = await h.newOrganisation();
    const { id, welcome, prompts } = await draftedWelcome(org, 'Aidraft Co', openAiReply.email(AI_EMAIL));
    // The kickoff milestone's email introduces the customer portal: the model was told to, and the link is added where it did not.
    const portalLine = 'Your onboarding plan, and anything we need from you, is here: {{portal_link}}';
    expect(welcome).toMatchObject({ drafter: `openai:${MODEL}`, draftSubject: AI_EMAIL.subject, draftBody: AI_EMAIL.body.replace('\n\nBest,', `\n\n${portalLine}\n\nBest,`) });

    expect(prompts).toHaveLength(1);
    const body = prompts[0]!;
    expect(body.model).toBe(MODEL);
    expect(body.response_format?.json_schema?.strict).toBe(true);
    const prompt = body.messages.map((m) => m.content).join('\n');
    expect(prompt).toContain('Company: Aidraft Co');
    expect(prompt).toContain('Primary contact: Peter Gibbons (VP Operations)');
    expect(prompt).toContain('Replace spreadsheets for TPS reports by March.');
    expect(prompt).toContain('Current onboarding milestone: 1. Kickoff');
    expect(prompt).toContain('- meeting: Kickoff call');
    expect(prompt).toContain('What it should do: Introduce the CSM and propose kickoff times to {{primary_contact_name}}.');
    expect(prompt).toContain('CSM: Casey CSM');
    expect(prompt).toContain('{{company_name}}');
    expect(prompt).toContain('at {{portal_link}}');

    // The reviewer sees who drafted it.
    const admin = await signIn(h, org.adminEmail);
    expect(await (await admin.get(`/accounts/${id}`)).text()).toContain(`Drafted by AI (${MODEL}) — review before sending`);

    expect((await org.api(`/api/accounts/${id}/actions/${encodeURIComponent(welcome.actionId)}/approve`, { body: {} })).status).toBe(200);
    const [sent, ...more] = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'action_email')));
    expect(more).toEqual([]);
    expect(sent!.subject).toBe('Welcome aboard, Aidraft Co');
    expect(sent!.text).toMatch(/^Hi Peter,\n\nI am Casey CSM, your CSM\. Let us get your TPS reports out of spreadsheets by March\.\n\nYour onboarding plan, and anything we need from you, is here: http:\/\/relay\.test\/portal\/[A-Za-z0-9_-]{43}\n\nBest,\nCasey CSM$/);
  });

  it('falls back to the rule-based draft at once when OpenAI refuses, labelled rule-based', async () => {
    const org = await h.newOrganisation();
    const { welcome, prompts } = await draftedWelcome(org, 'Refused Co', openAiReply.refusal('I cannot help with that.'));
    expect(prompts).toHaveLength(1);
    expect(welcome).toMatchObject({ drafter: 'rule_based', draftSubject: 'Welcome email: Refused Co' });
    expect(welcome.draftBody).toContain('Introduce the CSM and propose kickoff times to Peter Gibbons.');
  });

  it('retries a failing OpenAI on the drafting policy, then falls back; a rate limit once is just retried', async () => {
    const org = await h.newOrganisation();
    const broken = await draftedWelcome(org, 'Outage Co', openAiReply.serverError());
    expect(broken.prompts).toHaveLength(5);
    expect(broken.welcome).toMatchObject({ drafter: 'rule_based', draftSubject: 'Welcome email: Outage Co' });

    // Placeholders the send cannot fill are as bad as a 500: retried, never sent to a customer.
    const odd = await draftedWelcome(org, 'Oddvar Co', openAiReply.email({ subject: 'Hi {{first_name}}', body: 'Welcome, {{customer}}.' }));
    expect(odd.prompts).toHaveLength(5);
    expect(odd.welcome.drafter).toBe('rule_based');

    let first = true;
    const flaky: OpenAiReply = (model) => {
      if (!first) return openAiReply.email(AI_EMAIL)(model);
      first = false;
      return openAiReply.rateLimited(1)();
    };
    const recovered = await draftedWelcome(org, 'Flaky Co', flaky);
    expect(recovered.prompts).toHaveLength(2);
    expect(recovered.welcome.drafter).toBe(`openai:${MODEL}`);
  });
});

describe('checks on the model\'s email', () => {
  const context = (schedulingUrl: string | null): ActionEmailContext => ({
    account: { companyName: 'Globex', arr: 1, primaryContactName: 'Hank Scorpio', primaryContactRole: null, industry: null, companySize: null, website: null },
    handoff: [], milestone: { sequence: 1, name: 'Kickoff', durationDays: 7, actions: [] },
    action: { label: 'Welcome', description: 'Say hello' }, csm: null, schedulingUrl,
  });

  it('adds the booking link before the sign-off when the model left it out, and only offers it when there is one', () => {
    const parsed = parseDraftedEmail(JSON.stringify({ subject: ' Hello ', body: 'Hi,\n\nWelcome.\n\nBest,\n{{csm_name}}' }), context('https://cal.com/x'));
    expect(parsed).toEqual({ subject: 'Hello', body: 'Hi,\n\nWelcome.\n\nBook a time that suits you: {{scheduling_link}}\n\nYour onboarding plan, and anything we need from you, is here: {{portal_link}}\n\nBest,\n{{csm_name}}' });
    expect(withSchedulingLink('Book here: https://cal.com/x', 'https://cal.com/x')).toBe('Book here: https://cal.com/x');
    expect(() => parseDraftedEmail(JSON.stringify({ subject: 'Hi', body: 'Book: {{scheduling_link}}' }), context(null))).toThrow(/cannot be filled: scheduling_link/);
  });

  it('treats unusable content as worth another attempt', () => {
    for (const content of [null, 'not json', JSON.stringify({ subject: 'x' }), JSON.stringify({ subject: '', body: 'x' })]) {
      let error: unknown;
      try { parseDraftedEmail(content, context(null)); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(DraftingError);
      expect((error as DraftingError).retryable).toBe(true);
    }
  });
});
