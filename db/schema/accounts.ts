import { sql, type SQL } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { COMPANY_SIZES } from '../../domain/accountInput.ts';
import { LIFECYCLE_STATUSES } from '../../domain/lifecycle.ts';
import { organisations } from './organisations.ts';
import { templateVersions, type TemplateAction } from './templates.ts';
import { users } from './users.ts';


/**
 * Sort keys the accounts list orders by, shared by the list query and the indexes that serve it:
 * Postgres uses an expression index only for the very same expression.
 */
export function accountStatusRank(status: AnyPgColumn): SQL {
  return sql`(case ${status} ${sql.join(LIFECYCLE_STATUSES.map((s, i) => sql.raw(`when '${s}' then ${i}`)), sql` `)} end)`;
}

/** Share of milestones done, 0–1; an account without milestones counts as 0. */
export function accountMilestoneProgress(completed: AnyPgColumn, total: AnyPgColumn): SQL {
  return sql`(coalesce(${completed}::float8 / nullif(${total}, 0), 0))`;
}

export const accounts = pgTable('accounts', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  companyName: text('company_name').notNull(),
  arr: bigint('arr', { mode: 'number' }).notNull(),
  closeDate: text('close_date').notNull(),
  primaryContactName: text('primary_contact_name').notNull(),
  primaryContactEmail: text('primary_contact_email').notNull(),
  primaryContactRole: text('primary_contact_role'),
  industry: text('industry'),
  companySize: text('company_size', { enum: COMPANY_SIZES }),
  website: text('website'),
  notes: text('notes'),
  aeEmail: text('ae_email'),
  rawPayload: text('raw_payload'),
  primaryDomain: text('primary_domain'),
  status: text('status', { enum: LIFECYCLE_STATUSES }).notNull(),
  csmUserId: text('csm_user_id').references(() => users.id),
  templateVersionId: text('template_version_id').notNull().references(() => templateVersions.id),
  workflowId: text('workflow_id').notNull(),
  /** Denormalised for the list: kept in step by the milestone projections. */
  milestonesCompleted: integer('milestones_completed').notNull().default(0),
  milestonesTotal: integer('milestones_total').notNull().default(0),
  /** Lowercased company, contact and domains: what the list's search box matches (trigram-indexed). */
  searchText: text('search_text').notNull().default(''),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  // Counts per status for the list's tabs come from this index alone (index-only scan).
  index('accounts_org_status_idx').on(t.orgId, t.status),
  // Each list sort: the org, the key, then the ID that breaks ties, so a page is read straight off
  // the index in either direction with no sort step, however deep the page.
  index('accounts_org_created_idx').on(t.orgId, t.createdAt, t.id),
  index('accounts_org_arr_idx').on(t.orgId, t.arr, t.id),
  index('accounts_org_last_activity_idx').on(t.orgId, t.lastActivityAt, t.id),
  index('accounts_org_name_idx').on(t.orgId, t.companyName, t.id),
  index('accounts_org_status_rank_idx').on(t.orgId, accountStatusRank(t.status), t.id),
  index('accounts_org_progress_idx').on(t.orgId, accountMilestoneProgress(t.milestonesCompleted, t.milestonesTotal), t.id),
  index('accounts_org_csm_idx').on(t.orgId, t.csmUserId),
  // The portfolio header's "waiting on AEs since": the oldest pending handoff, org-wide or one CSM's,
  // is the first entry of one of these (small: only accounts still waiting are in them).
  index('accounts_org_pending_created_idx').on(t.orgId, t.createdAt).where(sql`${t.status} = 'pending_handoff'`),
  index('accounts_org_csm_pending_created_idx').on(t.orgId, t.csmUserId, t.createdAt).where(sql`${t.status} = 'pending_handoff'`),
  index('accounts_org_template_idx').on(t.orgId, t.templateVersionId),
  index('accounts_search_trgm_idx').using('gin', t.searchText.op('gin_trgm_ops')),
  uniqueIndex('accounts_workflow_id_key').on(t.workflowId),
]);

/**
 * Every domain that identifies an account. The unique index is what makes "one account per domain
 * per organisation" hold under concurrent creates, whatever path the account came from.
 */
export const accountDomains = pgTable('account_domains', {
  orgId: text('org_id').notNull().references(() => organisations.id),
  domain: text('domain').notNull(),
  accountId: text('account_id').notNull().references(() => accounts.id),
  isPrimary: boolean('is_primary').notNull(),
}, (t) => [
  uniqueIndex('account_domains_org_domain_key').on(t.orgId, t.domain),
  index('account_domains_account_idx').on(t.accountId),
]);

export const MILESTONE_STATUSES = ['pending', 'in_progress', 'completed'] as const;
export type MilestoneStatus = (typeof MILESTONE_STATUSES)[number];

export const accountMilestones = pgTable('account_milestones', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  templateVersionId: text('template_version_id').notNull().references(() => templateVersions.id),
  sequence: integer('sequence').notNull(),
  name: text('name').notNull(),
  durationDays: integer('duration_days').notNull(),
  actions: jsonb('actions').$type<TemplateAction[]>().notNull(),
  status: text('status', { enum: MILESTONE_STATUSES }).notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }),
  completedAt: timestamp('completed_at', { withTimezone: true }),
  /** When the plan has it due (domain/milestonePlan.ts), kept by the milestone projections; null before onboarding starts. */
  dueOn: date('due_on', { mode: 'string' }),
}, (t) => [
  uniqueIndex('account_milestones_account_sequence_key').on(t.accountId, t.sequence),
  // The list's "behind plan" filter: open milestones of an org past their due day, read off this index.
  index('account_milestones_org_open_due_idx').on(t.orgId, t.dueOn, t.accountId).where(sql`${t.completedAt} is null`),
]);
