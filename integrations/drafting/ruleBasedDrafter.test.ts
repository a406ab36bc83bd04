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

  it('leaves an answer empty rather than inventing one', async () => {
    const draft = await createRuleBasedDrafter().draft({ ...context, rawPayload: null }, DEFAULT_HANDOFF_QUESTIONS);
    expect(draft.answers.find((a) => a.key === 'goals')?.answer).toBe('');
  });
});
