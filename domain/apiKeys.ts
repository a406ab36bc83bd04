import { hashToken, newSecretToken } from './secretTokens.ts';

/** API keys are stored as this hash only. */
export const hashApiKey = (key: string): string => hashToken(key);

/**
 * Write keys authenticate the event ingestion endpoints (Segment's Basic-auth username, PostHog's
 * `api_key`). They sit in customers' app code and config, so they can do nothing but send events.
 */
export const newWriteKey = (): string => `wk_${newSecretToken()}`;
export const hashWriteKey = (key: string): string => hashToken(key);
/** Enough of a key to tell it apart in a list, not enough to use it. */
export const writeKeyPrefix = (key: string): string => key.slice(0, 7);
