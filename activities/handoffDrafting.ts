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
 * One drafting call by a provider, inside an activity: heartbeats while the model writes (a crashed
 * worker's attempt is noticed within the heartbeat timeout and retried elsewhere). A failure retries
 * the activity (after the provider's positive retry-after, else `retryDelayMs`, else the workflow's
 * backoff: a retry-after of 0 means "now", and a zero delay is not one Temporal takes) until the last
 * attempt the retry policy the server applies allows, or a failure no retry can fix; then it answers
 * null, and the caller drafts by the rules.
 */
export async function draftByProvider<T>(
  call: () => Promise<T>, opts: { failureType: string; what: string; retryDelayMs?: number | undefined },
): Promise<T | null> {
  const activity = Context.current();
  const heartbeat = setInterval(() => activity.heartbeat(), DRAFTING_HEARTBEAT_MS);
  try {
    return await call();
  } catch (error) {
    const { attempt, retryPolicy } = activity.info;
    const maxAttempts = retryPolicy?.maximumAttempts || FALL_BACK_AFTER_ATTEMPTS;
    const retryable = !(error instanceof DraftingError) || error.retryable;
    const message = error instanceof Error ? error.message : String(error);
    if (!retryable || attempt >= maxAttempts) {
      log.warn(`${opts.what} fell back to the rule-based drafter`, { attempt, maxAttempts, error: message });
      return null;
    }
    const delay = error instanceof DraftingError && error.retryAfterMs ? error.retryAfterMs : opts.retryDelayMs;
    throw ApplicationFailure.create({
      type: opts.failureType, message, cause: error instanceof Error ? error : undefined,
      ...(delay === undefined ? {} : { nextRetryDelay: delay }),
    });
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Drafts the handoff Q&A with the configured drafter (draftByProvider); when it gives up, the
 * rule-based drafter answers, unverified, so a flaky or misconfigured provider never blocks or loses
 * the handoff.
 */
export async function draftOrFallBack(
  drafter: HandoffDrafter, context: DraftingContext, questions: HandoffQuestion[], opts: { retryDelayMs?: number | undefined } = {},
): Promise<HandoffDraft> {
  const drafted = await draftByProvider(() => drafter.draft(context, questions), {
    failureType: FAILURE_TYPES.handoffDraftingFailed, what: 'handoff drafting', retryDelayMs: opts.retryDelayMs,
  });
  return drafted ?? createRuleBasedDrafter().draft(context, questions);
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
