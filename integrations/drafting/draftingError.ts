/**
 * A drafter's failure, typed so the activity can decide between retrying (after the provider's
 * own delay when it gave one) and falling back to the rule-based drafter. Drafters know nothing of
 * Temporal: the mapping to retry policy lives in the activity.
 */
export class DraftingError extends Error {
  override name = 'DraftingError';
  /** Worth another attempt (timeouts, 5xx, 429, malformed output); false for a bad key or a refusal. */
  readonly retryable: boolean;
  /** How long the provider asked us to wait (429 retry-after), in milliseconds. */
  readonly retryAfterMs: number | null;

  constructor(message: string, opts: { retryable: boolean; retryAfterMs?: number | null; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }
}

/** The model's structured output as JSON, or a retryable DraftingError: no content, or content that is not JSON. */
export function modelJson(content: string | null | undefined): unknown {
  if (!content) throw new DraftingError('OpenAI returned no content', { retryable: true });
  try {
    return JSON.parse(content);
  } catch (error) {
    throw new DraftingError('OpenAI returned content that is not JSON', { retryable: true, cause: error });
  }
}
