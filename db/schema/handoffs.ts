import { integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';
import { organisations } from './organisations.ts';
import { users } from './users.ts';
import { HANDOFF_DRAFTERS, type QuestionKind } from '../../domain/handoffQuestions.ts';

export interface HandoffAnswer {
  key: string;
  question: string;
  answer: string;
  /** false when a rule-based drafter guessed it (or left it blank) and nobody has confirmed it. */
  verified: boolean;
  /**
   * The question as it was when the handoff was drafted, so an admin's later edit never changes an
   * open handoff. Absent on handoffs drafted before questions were configurable: long text, optional.
   */
  kind?: QuestionKind;
  required?: boolean;
  help?: string;
  options?: string[];
}

export const handoffs = pgTable('handoffs', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  drafter: text('drafter', { enum: HANDOFF_DRAFTERS }).notNull(),
  qa: jsonb('qa').$type<HandoffAnswer[]>().notNull(),
  /** Bumped by every "resend link": the token is derived from it, so older links stop matching. */
  linkVersion: integer('link_version').notNull().default(0),
  tokenHash: text('token_hash'),
  tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
  submittedAt: timestamp('submitted_at', { withTimezone: true }),
  submittedCsmUserId: text('submitted_csm_user_id').references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('handoffs_account_key').on(t.accountId),
  uniqueIndex('handoffs_token_hash_key').on(t.tokenHash),
]);
