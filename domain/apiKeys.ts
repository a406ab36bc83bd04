import { hashToken } from './secretTokens.ts';

/** API keys are stored as this hash only. */
export const hashApiKey = (key: string): string => hashToken(key);
