import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { isUniqueViolation } from '../errors.ts';
import { newId } from '../ids.ts';
import { accounts, templates, templateVersions, type TemplateMilestone } from '../schema/index.ts';

export interface TemplateDefinition {
  name: string;
  description: string;
  estimatedDurationDays: number;
  targetSegment: string;
  milestones: TemplateMilestone[];
}

/** The version new accounts get: the template's current one, looked up by name or ID within the org. */
export async function findCurrentTemplateVersion(db: Queryable, orgId: string, by: { templateId?: string | undefined; templateName?: string | undefined }) {
  const match = by.templateId ? eq(templates.id, by.templateId) : eq(templates.name, by.templateName ?? '');
  const [row] = await db.select({ version: templateVersions }).from(templates)
    .innerJoin(templateVersions, and(eq(templateVersions.templateId, templates.id), eq(templateVersions.version, templates.currentVersion)))
    .where(and(eq(templates.orgId, orgId), match));
  return row?.version ?? null;
}

export async function listTemplates(db: Queryable, orgId: string) {
  return db.select({ id: templates.id, name: templates.name, currentVersion: templates.currentVersion })
    .from(templates).where(eq(templates.orgId, orgId)).orderBy(asc(templates.name));
}

export async function getTemplateVersion(db: Queryable, orgId: string, versionId: string) {
  const [row] = await db.select().from(templateVersions).where(and(eq(templateVersions.orgId, orgId), eq(templateVersions.id, versionId)));
  return row ?? null;
}

/** Creates the template, or saves a new version of it: earlier versions stay as they were. */
export async function saveTemplate(db: Queryable, orgId: string, definition: TemplateDefinition) {
  return db.transaction(async (tx) => {
    const [existing] = await tx.select().from(templates)
      .where(and(eq(templates.orgId, orgId), eq(templates.name, definition.name))).for('update');
    const templateId = existing?.id ?? newId();
    const version = (existing?.currentVersion ?? 0) + 1;
    if (existing) {
      await tx.update(templates).set({ currentVersion: version }).where(eq(templates.id, templateId));
    } else {
      await tx.insert(templates).values({ id: templateId, orgId, name: definition.name, currentVersion: version });
    }
    const [saved] = await tx.insert(templateVersions).values({ id: newId(), orgId, templateId, version, ...definition }).returning();
    if (!saved) throw new Error('template version was not saved');
    return saved;
  });
}

/** The list page's rows: each template's current version plus how many accounts run any of its versions. */
export async function listTemplateSummaries(db: Queryable, orgId: string) {
  const accountsUsing = sql<number>`(
    select count(*)::int from ${accounts}
    inner join ${templateVersions} as used on used.id = ${accounts.templateVersionId}
    where ${accounts.orgId} = ${orgId} and used.template_id = ${templates.id}
  )`;
  const rows = await db.select({
    id: templates.id, name: templates.name, currentVersion: templates.currentVersion,
    description: templateVersions.description, targetSegment: templateVersions.targetSegment,
    estimatedDurationDays: templateVersions.estimatedDurationDays, milestones: templateVersions.milestones,
    accountsUsing,
  }).from(templates)
    .innerJoin(templateVersions, and(eq(templateVersions.templateId, templates.id), eq(templateVersions.version, templates.currentVersion)))
    .where(eq(templates.orgId, orgId)).orderBy(asc(templates.name));
  return rows.map(({ milestones, ...row }) => ({ ...row, milestoneCount: milestones.length }));
}

/** One version of one template (the current one without `version`), with the list of all its versions. */
export async function getTemplateWithHistory(db: Queryable, orgId: string, templateId: string, version?: number) {
  const [template] = await db.select().from(templates).where(and(eq(templates.orgId, orgId), eq(templates.id, templateId)));
  if (!template) return null;
  const [shown] = await db.select().from(templateVersions).where(and(
    eq(templateVersions.orgId, orgId), eq(templateVersions.templateId, templateId),
    eq(templateVersions.version, version ?? template.currentVersion),
  ));
  if (!shown) return null;
  const history = await db.select({ version: templateVersions.version, name: templateVersions.name, createdAt: templateVersions.createdAt })
    .from(templateVersions).where(and(eq(templateVersions.orgId, orgId), eq(templateVersions.templateId, templateId)))
    .orderBy(desc(templateVersions.version));
  return { template, version: shown, history };
}

export type TemplateRevisionResult =
  | { outcome: 'saved'; templateId: string; version: number }
  | { outcome: 'unchanged'; templateId: string; version: number }
  | { outcome: 'name_taken' }
  | { outcome: 'not_found' };

/** Key order fixed by hand: jsonb hands objects back with its own key order, so compare rebuilt copies. */
function comparable(d: TemplateDefinition): string {
  return JSON.stringify([d.name, d.description, d.estimatedDurationDays, d.targetSegment, d.milestones.map((m) => [
    m.sequence, m.name, m.durationDays,
    m.actions.map((a) => [
      a.kind, a.label, a.description, a.blocker, a.trigger.type, a.trigger.type === 'milestone_start' ? a.trigger.delayHours : null,
      a.autoSend === true, a.schedulingUrl ?? null,
      (a.fields ?? []).map((f) => [f.key, f.label, f.kind, f.required === true, f.help ?? null, f.options ?? null]),
    ]),
  ])]);
}

/**
 * The editor's save: creates a template (templateId null) or adds a version to one found by ID, so
 * a rename stays the same template. Saving what is already current writes nothing. Names are unique
 * per organisation ignoring case, since people pick templates by name (forms, CSV rows).
 */
export async function saveTemplateRevision(db: Queryable, orgId: string, templateId: string | null, definition: TemplateDefinition): Promise<TemplateRevisionResult> {
  try {
    return await db.transaction(async (tx): Promise<TemplateRevisionResult> => {
      let current: { id: string; currentVersion: number } | undefined;
      if (templateId) {
        [current] = await tx.select({ id: templates.id, currentVersion: templates.currentVersion }).from(templates)
          .where(and(eq(templates.orgId, orgId), eq(templates.id, templateId))).for('update');
        if (!current) return { outcome: 'not_found' };
      }
      const [clash] = await tx.select({ id: templates.id }).from(templates)
        .where(and(eq(templates.orgId, orgId), sql`lower(${templates.name}) = lower(${definition.name})`, current ? ne(templates.id, current.id) : undefined));
      if (clash) return { outcome: 'name_taken' };
      if (current) {
        const [latest] = await tx.select().from(templateVersions)
          .where(and(eq(templateVersions.orgId, orgId), eq(templateVersions.templateId, current.id), eq(templateVersions.version, current.currentVersion)));
        if (latest && comparable(latest) === comparable(definition)) return { outcome: 'unchanged', templateId: current.id, version: current.currentVersion };
      }
      const id = current?.id ?? newId();
      const version = (current?.currentVersion ?? 0) + 1;
      if (current) {
        await tx.update(templates).set({ currentVersion: version, name: definition.name }).where(and(eq(templates.orgId, orgId), eq(templates.id, id)));
      } else {
        await tx.insert(templates).values({ id, orgId, name: definition.name, currentVersion: version });
      }
      await tx.insert(templateVersions).values({ id: newId(), orgId, templateId: id, version, ...definition });
      return { outcome: 'saved', templateId: id, version };
    });
  } catch (error) {
    // Two admins creating the same name at once: the unique index decides, the loser hears why.
    if (isUniqueViolation(error)) return { outcome: 'name_taken' };
    throw error;
  }
}
