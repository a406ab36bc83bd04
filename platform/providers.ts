import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../config/env.ts';
import type { HandoffDrafter } from '../integrations/drafting/drafter.ts';
import { createOpenAiDrafter } from '../integrations/drafting/openAiDrafter.ts';
import { createRuleBasedDrafter } from '../integrations/drafting/ruleBasedDrafter.ts';
import { createDevOutboxMailer, type Mailer } from '../integrations/email/mailer.ts';
import { createResendMailer } from '../integrations/email/resendMailer.ts';

/**
 * RELAY_SECRET, or in development a generated one kept in the data dir so links survive restarts.
 * Production refuses to run without it: API and worker must derive the same tokens.
 */
export function resolveTokenSecret(env: Env): string {
  if (env.RELAY_SECRET) return env.RELAY_SECRET;
  if (env.NODE_ENV === 'production') throw new Error('RELAY_SECRET is required in production');
  const file = join(env.RELAY_DATA_DIR, 'relay-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(env.RELAY_DATA_DIR, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Resend when a key is configured; otherwise emails are held in the outbox table (`npm start` also serves them at /dev/outbox). */
export function buildMailer(env: Env): Mailer {
  if (!env.RESEND_API_KEY) return createDevOutboxMailer();
  return createResendMailer({
    apiKey: env.RESEND_API_KEY, baseUrl: env.RESEND_BASE_URL, from: env.EMAIL_FROM, replyTo: env.EMAIL_REPLY_TO,
    timeoutMs: env.RESEND_TIMEOUT_MS,
  });
}

/** OpenAI (or a compatible endpoint) when a key is configured; otherwise the rule-based drafter. */
export function buildDrafter(env: Env): HandoffDrafter {
  if (!env.OPENAI_API_KEY) return createRuleBasedDrafter();
  return createOpenAiDrafter({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, model: env.OPENAI_MODEL, timeoutMs: env.OPENAI_TIMEOUT_MS });
}

/** One line each for start-up output: which providers this process talks to (never the keys). */
export function describeProviders(env: Env): { drafter: string; mailer: string } {
  return {
    drafter: env.OPENAI_API_KEY
      ? `OpenAI ${env.OPENAI_MODEL}${env.OPENAI_BASE_URL ? ` at ${env.OPENAI_BASE_URL}` : ''} (rule-based fallback after retries)`
      : 'rule-based (set OPENAI_API_KEY for AI drafts)',
    mailer: env.RESEND_API_KEY
      ? `Resend${env.RESEND_BASE_URL ? ` at ${env.RESEND_BASE_URL}` : ''}, from ${env.EMAIL_FROM}`
      : 'no provider: emails are held in the outbox table (set RESEND_API_KEY to send real email)',
  };
}
