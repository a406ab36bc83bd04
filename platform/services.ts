import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivityDeps } from '../activities/index.ts';
import { publicUrl, type Env } from '../config/env.ts';
import type { Database } from '../db/client.ts';
import { createRuleBasedDrafter } from '../integrations/drafting/ruleBasedDrafter.ts';
import { createDevOutboxMailer } from '../integrations/email/mailer.ts';

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

export async function buildActivityDeps(env: Env, db: Database): Promise<ActivityDeps> {
  return {
    db,
    mailer: createDevOutboxMailer(),
    drafter: createRuleBasedDrafter(),
    publicUrl: publicUrl(env),
    tokenSecret: resolveTokenSecret(env),
  };
}
