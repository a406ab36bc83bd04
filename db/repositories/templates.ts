import { and, asc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { templates, templateVersions, type TemplateMilestone } from '../schema/index.ts';

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
