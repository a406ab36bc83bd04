import { boolean, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { ActionStatus } from '../../domain/actions.ts';
import type { ActionKind } from '../../domain/templates.ts';
import { accounts } from './accounts.ts';
import { organisations } from './organisations.ts';

/**
 * The playbook's actions as the account's workflow runs them (issue 12): a projection, written by
 * its activities at each transition, read by the API and the account page. The workflow holds the
 * truth (its state); this table is what people see.
 */
export const accountActions = pgTable('account_actions', {
  accountId: text('account_id').notNull().references(() => accounts.id),
  /** `<milestoneId>:<index>`, as the workflow names it. */
  actionId: text('action_id').notNull(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  milestoneId: text('milestone_id').notNull(),
  kind: text('kind').$type<ActionKind>().notNull(),
  label: text('label').notNull(),
  status: text('status').$type<ActionStatus>().notNull(),
  blocker: boolean('blocker').notNull(),
  manual: boolean('manual').notNull(),
  dueAt: timestamp('due_at', { withTimezone: true }),
  /** Emails: the draft (variables filled) and who drafted it. */
  draftSubject: text('draft_subject'),
  draftBody: text('draft_body'),
  drafter: text('drafter'),
  /** Emails: the outbox row of the sent email. */
  outboxId: text('outbox_id'),
  note: text('note'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.accountId, t.actionId] }), index('account_actions_org_status_idx').on(t.orgId, t.status)]);
