import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftOrFallBack } from '../activities/handoffDrafting.ts';
import { DEFAULT_HANDOFF_QUESTIONS } from '../domain/handoffQuestions.ts';
import type { DraftingContext } from '../integrations/drafting/drafter.ts';
import { DraftingError } from '../integrations/drafting/draftingError.ts';
import { createOpenAiDrafter } from '../integrations/drafting/openAiDrafter.ts';
import { openAiReply, startOpenAiFake, type FakeAnswer, type OpenAiFake } from './fakes/openaiFake.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

const API_KEY = 'sk-test-relay-fake';
const MODEL = 'gpt-4o-mini';

const context: DraftingContext = {
  companyName: 'Globex', arr: 120000, closeDate: '2026-11-01', primaryContactName: 'Hank Scorpio',
  primaryContactEmail: 'hank@globex.example', primaryContactRole: 'CEO', industry: 'Manufacturing', companySize: '500-1000',
  website: null, notes: 'Champion is the VP of Ops.', aeEmail: 'ae@relay.example',
  rawPayload: 'Call notes: main goal is to cut onboarding time in half. They worry about SSO rollout. Replacing Gainsight.',
};

/** One answer per default question; the goals answer is confident, the others are guesses. */
function fakeAnswers(goal = 'Cut onboarding time in half.'): FakeAnswer[] {
  return DEFAULT_HANDOFF_QUESTIONS.map((q) => q.key === 'goals'
    ? { key: q.key, answer: goal, confidence: 0.9 }
    : { key: q.key, answer: `AI guess for ${q.key}`, confidence: 0.2 });
}

async function draftingError(promise: Promise<unknown>): Promise<DraftingError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(DraftingError);
  return error as DraftingError;
}

describe('OpenAI drafter against a fake of the Chat Completions API', () => {
  let fake: OpenAiFake;
  beforeAll(async () => { fake = await startOpenAiFake({ apiKey: API_KEY }); });
  afterAll(async () => { await fake?.close(); });
  const drafter = () => createOpenAiDrafter({ apiKey: API_KEY, baseURL: fake.baseURL, model: MODEL, timeoutMs: 500 });

  it('asks for structured output built from the account and its notes, and keeps the answers', async () => {
    fake.always(openAiReply.answers(fakeAnswers()));
    const before = fake.requests.length;
    const draft = await drafter().draft(context, DEFAULT_HANDOFF_QUESTIONS);

    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const body = fake.completions().at(-1)!;
    expect(body.model).toBe(MODEL);
    expect(body.response_format?.type).toBe('json_schema');
    expect(body.response_format?.json_schema?.name).toBe('handoff_answers');
    expect(body.response_format?.json_schema?.strict).toBe(true);
    const item = (body.response_format?.json_schema?.schema as { properties: { answers: { items: { properties: Record<string, unknown>; required: string[] } } } })
      .properties.answers.items;
    expect(item.required.sort()).toEqual(['answer', 'confidence', 'key']);
    expect(item.properties.confidence).toMatchObject({ type: 'number', minimum: 0, maximum: 1 });
    const prompt = body.messages.map((m) => m.content).join('\n');
    expect(prompt).toContain(context.rawPayload);
    expect(prompt).toContain('Champion is the VP of Ops.');
    expect(prompt).toContain('Hank Scorpio (CEO)');
    for (const q of DEFAULT_HANDOFF_QUESTIONS) expect(prompt).toContain(`${q.key}: ${q.question}`);

    expect(draft.drafter).toBe('openai');
    expect(draft.answers.map((a) => a.key)).toEqual(DEFAULT_HANDOFF_QUESTIONS.map((q) => q.key));
    expect(draft.answers[0]).toEqual({ key: 'goals', question: DEFAULT_HANDOFF_QUESTIONS[0]!.question, answer: 'Cut onboarding time in half.', verified: true });
    // A low-confidence answer is kept as a starting point, but the AE sees it flagged.
    expect(draft.answers.find((a) => a.key === 'risks')).toMatchObject({ answer: 'AI guess for risks', verified: false });
  });

  it('constrains choice questions to their options in the schema, and drops an answer outside them', async () => {
    const questions = [
      DEFAULT_HANDOFF_QUESTIONS[0]!,
      { key: 'plan', question: 'Which plan did they buy?', kind: 'multiple_choice' as const, required: true, options: ['Starter', 'Growth', 'Enterprise'] },
      { key: 'sso', question: 'Do they need SSO on day one?', kind: 'yes_no' as const, required: false },
      { key: 'seats', question: 'How many seats?', kind: 'multiple_choice' as const, required: false, options: ['Under 50', '50 or more'] },
    ];
    fake.always(openAiReply.answers([
      { key: 'goals', answer: 'Cut onboarding time in half.', confidence: 0.9 },
      { key: 'plan', answer: 'growth', confidence: 0.8 },
      { key: 'sso', answer: 'Yes', confidence: 0.7 },
      { key: 'seats', answer: 'about 70', confidence: 0.9 },
    ]));
    const draft = await drafter().draft(context, questions);

    const body = fake.completions().at(-1)!;
    const items = (body.response_format?.json_schema?.schema as { properties: { answers: { items: { anyOf: { properties: { key: { enum: string[] }; answer: { enum?: string[] } } }[] } } } })
      .properties.answers.items.anyOf;
    const branchFor = (key: string) => items.find((b) => b.properties.key.enum.includes(key))!.properties.answer;
    expect(branchFor('plan').enum).toEqual(['Starter', 'Growth', 'Enterprise', '']);
    expect(branchFor('sso').enum).toEqual(['yes', 'no', '']);
    expect(branchFor('goals').enum).toBeUndefined();
    expect(body.messages.map((m) => m.content).join('\n')).toContain('plan: Which plan did they buy? (multiple choice: answer with exactly one of "Starter", "Growth", "Enterprise"');

    expect(draft.answers.find((a) => a.key === 'plan')).toMatchObject({ answer: 'Growth', verified: true });
    expect(draft.answers.find((a) => a.key === 'sso')).toMatchObject({ answer: 'yes', verified: true });
    // Not one of the options: kept out of the handoff rather than failing the draft.
    expect(draft.answers.find((a) => a.key === 'seats')).toMatchObject({ answer: '', verified: false });
  });

  it('turns a 429 into a retryable error carrying the provider\'s retry-after, without retrying itself', async () => {
    fake.always(openAiReply.rateLimited(7));
    const before = fake.requests.length;
    const error = await draftingError(drafter().draft(context, DEFAULT_HANDOFF_QUESTIONS));
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    expect(fake.requests.length - before).toBe(1);
  });

  it('treats malformed content, missing answers, 500s and timeouts as retryable', async () => {
    fake.always(openAiReply.content('Sure! Here are the answers: goals - grow'));
    expect(await draftingError(drafter().draft(context, DEFAULT_HANDOFF_QUESTIONS))).toMatchObject({ retryable: true });
    fake.always(openAiReply.content(JSON.stringify({ answers: [{ key: 'goals', answer: 'x', confidence: 3 }] })));
    expect((await draftingError(drafter().draft(context, DEFAULT_HANDOFF_QUESTIONS))).message).toMatch(/wrong shape/);
    fake.always(openAiReply.answers(fakeAnswers().filter((a) => a.key !== 'timeline')));
    expect((await draftingError(drafter().draft(context, DEFAULT_HANDOFF_QUESTIONS))).message).toMatch(/unanswered: timeline/);
    fake.always(openAiReply.serverError());
    expect(await draftingError(drafter().draft(context, DEFAULT_HANDOFF_QUESTIONS))).toMatchObject({ retryable: true });
    fake.always(openAiReply.hang());
    expect(await draftingError(drafter().draft(context, DEFAULT_HANDOFF_QUESTIONS))).toMatchObject({ retryable: true });
  });

  it('treats a bad key and a refusal as failures no retry can fix', async () => {
    const wrongKey = createOpenAiDrafter({ apiKey: 'sk-wrong', baseURL: fake.baseURL, model: MODEL, timeoutMs: 500 });
    fake.always(openAiReply.answers(fakeAnswers()));
    expect(await draftingError(wrongKey.draft(context, DEFAULT_HANDOFF_QUESTIONS))).toMatchObject({ retryable: false });
    fake.always(openAiReply.refusal('I cannot help with that.'));
    expect(await draftingError(drafter().draft(context, DEFAULT_HANDOFF_QUESTIONS))).toMatchObject({ retryable: false });
  });

  it('in the activity: retries after the provider\'s delay, and falls back to unverified rules on the last attempt', async () => {
    const inActivity = <T>(attempt: number, fn: () => Promise<T>) =>
      new MockActivityEnvironment({ attempt, retryPolicy: { maximumAttempts: 5 } }).run(fn) as Promise<T>;
    const draftAt = (attempt: number) => inActivity(attempt, () => draftOrFallBack(drafter(), context, DEFAULT_HANDOFF_QUESTIONS, { retryDelayMs: 100 }));

    fake.always(openAiReply.rateLimited(7));
    const early = await draftAt(2).then(() => null, (e: unknown) => e);
    expect(early).toBeInstanceOf(ApplicationFailure);
    expect(early).toMatchObject({ nonRetryable: false, nextRetryDelay: 7000, type: 'HandoffDraftingFailed' });

    fake.always(openAiReply.serverError());
    expect(await draftAt(1).then(() => null, (e: unknown) => e)).toMatchObject({ nextRetryDelay: 100 });

    const last = await draftAt(5);
    expect(last.drafter).toBe('rule_based');
    expect(last.answers.find((a) => a.key === 'goals')?.answer).toContain('cut onboarding time in half');
    expect(last.answers.every((a) => !a.verified)).toBe(true);
  });
});

interface AccountView {
  status: string;
  handoff: { state: string; drafter?: string; qa?: { key: string; answer: string; verified: boolean }[] };
}

describe('account creation with the OpenAI drafter (real Temporal, real Postgres, fake OpenAI)', () => {
  let fake: OpenAiFake;
  let h: Harness;
  beforeAll(async () => {
    fake = await startOpenAiFake({ apiKey: API_KEY });
    h = await createHarness({
      activityDeps: {
        drafter: createOpenAiDrafter({ apiKey: API_KEY, baseURL: fake.baseURL, model: MODEL, timeoutMs: 300 }),
        draftRetryDelayMs: 50,
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  /** Creates an account and waits for its handoff to open; returns the account and the prompts OpenAI got for it. */
  async function createAndWaitForHandoff(org: TestOrganisation) {
    const body = accountBody();
    const created = await org.api('/api/accounts', { body });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    const account = await eventually(async () => {
      const view = await (await org.api(`/api/accounts/${id}`)).json() as AccountView;
      return view.handoff.state === 'awaiting_ae' ? view : undefined;
    }, { what: 'the handoff to open', timeoutMs: 45_000 });
    const prompts = fake.completions().filter((c) => c.messages.some((m) => m.content.includes(body.companyName)));
    return { account, prompts, body };
  }

  it('shows the AI draft on the handoff, with low-confidence answers flagged', async () => {
    fake.always(openAiReply.answers(fakeAnswers('Replace spreadsheets for TPS reports.')));
    const org = await h.newOrganisation();
    const { account, prompts, body } = await createAndWaitForHandoff(org);
    expect(account.status).toBe('pending_handoff');
    expect(account.handoff.drafter).toBe('openai');
    expect(account.handoff.qa?.find((q) => q.key === 'goals')).toMatchObject({ answer: 'Replace spreadsheets for TPS reports.', verified: true });
    expect(account.handoff.qa?.find((q) => q.key === 'timeline')).toMatchObject({ answer: 'AI guess for timeline', verified: false });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]!.messages.map((m) => m.content).join('\n')).toContain(body.rawPayload);
  });

  it('retries after a rate limit and still uses the AI draft', async () => {
    fake.always(openAiReply.answers(fakeAnswers()));
    fake.once(openAiReply.rateLimited(1));
    const org = await h.newOrganisation();
    const { account, prompts } = await createAndWaitForHandoff(org);
    expect(account.handoff.drafter).toBe('openai');
    expect(prompts).toHaveLength(2);
  });

  const failures = [
    ['answers 500', openAiReply.serverError()],
    ['answers with content that is not JSON', openAiReply.content('{"answers": [ oops')],
    ['never answers', openAiReply.hang()],
  ] as const;

  for (const [what, failure] of failures) {
    it(`falls back to unverified rule-based answers when OpenAI ${what} on every attempt`, async () => {
      fake.always(failure);
      const org = await h.newOrganisation();
      const { account, prompts } = await createAndWaitForHandoff(org);
      expect(account.status).toBe('pending_handoff');
      expect(account.handoff.drafter).toBe('rule_based');
      expect(account.handoff.qa?.find((q) => q.key === 'goals')?.answer).toContain('replace spreadsheets for TPS reports');
      expect(account.handoff.qa?.every((q) => !q.verified)).toBe(true);
      // Every attempt the workflow's retry policy allows went to OpenAI before giving up.
      expect(prompts).toHaveLength(5);
    });
  }
});
