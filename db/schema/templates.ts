import { integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { TemplateMilestone } from '../../domain/templates.ts';
import { organisations } from './organisations.ts';

export type { ActionKind, TemplateAction, TemplateMilestone } from '../../domain/templates.ts';

export const templates = pgTable('templates', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  name: text('name').notNull(),
  currentVersion: integer('current_version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('templates_org_name_key').on(t.orgId, t.name)]);

/** A saved edit of a template. Rows are never updated: accounts point at the version they began with. */
export const templateVersions = pgTable('template_versions', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  templateId: text('template_id').notNull().references(() => templates.id),
  version: integer('version').notNull(),
  name: text('name').notNull(),
  description: text('description').notNull(),
  estimatedDurationDays: integer('estimated_duration_days').notNull(),
  targetSegment: text('target_segment').notNull(),
  milestones: jsonb('milestones').$type<TemplateMilestone[]>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('template_versions_template_version_key').on(t.templateId, t.version)]);
