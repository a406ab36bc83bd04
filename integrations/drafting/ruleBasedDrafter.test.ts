import { describe, expect, it } from 'vitest';
import { DEFAULT_HANDOFF_QUESTIONS } from '../../domain/handoffQuestions.ts';
import { createRuleBasedDrafter } from './ruleBasedDrafter.ts';

const context = {
  companyName: 'Globex', arr: 120000, closeDate: '2026-11-01', primaryContactName: 'Hank Scorpio',
  primaryContactEmail: 'hank@globex.example', primaryContactRole: 'CEO', industry: null, companySize: null,
  website: null, notes: null, aeEmail: 'ae@relay.example',
  rawPayload: 'Main goal: cut onboarding time in half.\nThey worry about SSO rollout risk. Replacing Gainsight.\nGo-live by end of Q1.',
};

describe('rule-based drafter', () => {
  it('answers each default question from the sentences that mention it, all unverified', async () => {
    const draft = await createRuleBasedDrafter().draft(context, DEFAULT_HANDOFF_QUESTIONS);
    const byKey = Object.fromEntries(draft.answers.map((a) => [a.key, a.answer]));
    expect(draft.drafter).toBe('rule_based');
    expect(byKey.goals).toContain('cut onboarding time in half');
    expect(byKey.risks).toContain('SSO rollout risk');
    expect(byKey.competitive_context).toContain('Replacing Gainsight');
    expect(byKey.stakeholders).toContain('Hank Scorpio (CEO)');
    expect(byKey.timeline).toContain('Go-live by end of Q1');
    expect(draft.answers.every((a) => a.verified === false)).toBe(true);
  });

  it('puts each sentence under the question it answers, not under every question one of its words hints at (issue 14)', async () => {
    const rawPayload = 'Goal: replace spreadsheets for TPS reports. Risk: the team worries about SSO rollout. Go-live by end of Q1.';
    const draft = await createRuleBasedDrafter().draft({ ...context, rawPayload }, DEFAULT_HANDOFF_QUESTIONS);
    const byKey = Object.fromEntries(draft.answers.map((a) => [a.key, a.answer]));
    expect(byKey.goals).toBe('Goal: replace spreadsheets for TPS reports.');
    expect(byKey.risks).toBe('Risk: the team worries about SSO rollout.');
    expect(byKey.technical_requirements).toBe('');
    expect(byKey.competitive_context).toBe('');
    expect(byKey.timeline).toBe('Deal closed 2026-11-01. Go-live by end of Q1.');

    // Cues start words: "rapid" is no API, "claim" no aim; a sentence two questions claim alike goes under both.
    const loose = await createRuleBasedDrafter().draft({ ...context, rawPayload: 'A rapid claim. The Salesforce integration is a risk.' }, DEFAULT_HANDOFF_QUESTIONS);
    const looseByKey = Object.fromEntries(loose.answers.map((a) => [a.key, a.answer]));
    expect(looseByKey.technical_requirements).toBe('The Salesforce integration is a risk.');
    expect(looseByKey.goals).toBe('');
    expect(looseByKey.risks).toBe('');
  });

  it('leaves an answer empty rather than inventing one', async () => {
    const draft = await createRuleBasedDrafter().draft({ ...context, rawPayload: null }, DEFAULT_HANDOFF_QUESTIONS);
    expect(draft.answers.find((a) => a.key === 'goals')?.answer).toBe('');
  });
});

describe('rule-based drafter with choice questions', () => {
  const plan = { key: 'plan', question: 'Which plan did they buy?', kind: 'multiple_choice' as const, required: true, options: ['Starter', 'Growth', 'Enterprise'] };
  const sso = { key: 'sso', question: 'Do they need SSO?', kind: 'yes_no' as const, required: false, cues: ['sso'] };

  it('picks an option only when the notes name exactly one, and leaves yes/no to the AE', async () => {
    const named = await createRuleBasedDrafter().draft({ ...context, rawPayload: 'They signed the Growth plan. SSO is a must.' }, [plan, sso]);
    expect(named.answers).toEqual([
      { key: 'plan', question: plan.question, answer: 'Growth', verified: false },
      { key: 'sso', question: sso.question, answer: '', verified: false },
    ]);
    const unsure = await createRuleBasedDrafter().draft({ ...context, rawPayload: 'Torn between Starter and Growth; the product team is growing.' }, [plan]);
    expect(unsure.answers[0]?.answer).toBe('');
  });
});
