import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { HandoffAnswer } from '../db/schema/handoffs.ts';
import type { HandoffQuestion } from '../domain/handoffQuestions.ts';
import type { DraftingContext, HandoffDraft, HandoffDrafter } from '../integrations/drafting/drafter.ts';
import { DraftingError } from '../integrations/drafting/draftingError.ts';
import { createRuleBasedDrafter } from '../integrations/drafting/ruleBasedDrafter.ts';
import { FAILURE_TYPES } from '../workflows/definitions.ts';

/** With a policy of unlimited attempts there is no "last" one: stop asking the provider after this many. */
export const FALL_BACK_AFTER_ATTEMPTS = 5;

/** Well inside the drafting activity's heartbeat timeout (workflows/accountLifecycle.ts). */
export const DRAFTING_HEARTBEAT_MS = 2_000;

/**
 * Drafts with the configured drafter. A failure retries the activity (after the provider's
 * retry-after, else `retryDelayMs`, else the workflow's backoff) until the last attempt the retry
 * policy allows, or a failure no retry can fix; then the rule-based drafter answers, unverified, so
 * a flaky or misconfigured provider never blocks or loses the handoff.
 */
export async function draftOrFallBack(
  drafter: HandoffDrafter, context: DraftingContext, questions: HandoffQuestion[], opts: { retryDelayMs?: number | undefined } = {},
): Promise<HandoffDraft> {
  // A model can take most of the activity's two minutes; heartbeats let a crashed worker's attempt be
  // noticed within the heartbeat timeout instead, and retried elsewhere.
  const activity = Context.current();
  const heartbeat = setInterval(() => activity.heartbeat(), DRAFTING_HEARTBEAT_MS);
  try {
    return await drafter.draft(context, questions);
  } catch (error) {
    const { attempt, retryPolicy } = activity.info;
    // The policy the server actually applies, rather than a copy of the workflow's constant.
    const maxAttempts = retryPolicy?.maximumAttempts || FALL_BACK_AFTER_ATTEMPTS;
    const retryable = !(error instanceof DraftingError) || error.retryable;
    const message = error instanceof Error ? error.message : String(error);
    if (!retryable || attempt >= maxAttempts) {
      log.warn('handoff drafting fell back to the rule-based drafter', { attempt, maxAttempts, error: message });
      return createRuleBasedDrafter().draft(context, questions);
    }
    const delay = error instanceof DraftingError && error.retryAfterMs !== null ? error.retryAfterMs : opts.retryDelayMs;
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.handoffDraftingFailed, message, cause: error instanceof Error ? error : undefined,
      ...(delay === undefined ? {} : { nextRetryDelay: delay }),
    });
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * The handoff's Q&A as stored: each answer carries its question's wording, kind and choices as they
 * are now, so the open handoff keeps them whatever the admin edits later (SPEC §3, versioned questions).
 */
export function handoffAnswersFrom(questions: HandoffQuestion[], draft: HandoffDraft): HandoffAnswer[] {
  const drafted = new Map(draft.answers.map((a) => [a.key, a]));
  return questions.map((q) => {
    const answer = drafted.get(q.key);
    return {
      key: q.key, question: q.question, answer: answer?.answer ?? '', verified: answer?.verified ?? false,
      kind: q.kind, required: q.required,
      ...(q.help ? { help: q.help } : {}),
      ...(q.kind === 'multiple_choice' && q.options ? { options: q.options } : {}),
    };
  });
}
