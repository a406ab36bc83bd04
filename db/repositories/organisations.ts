import { eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { apiKeys, DEFAULT_ORGANISATION_SETTINGS, organisations, type OrganisationSettings } from '../schema/index.ts';

export async function getOrganisationSettings(db: Queryable, orgId: string): Promise<OrganisationSettings> {
  const [row] = await db.select({ settings: organisations.settings }).from(organisations).where(eq(organisations.id, orgId));
  return { ...DEFAULT_ORGANISATION_SETTINGS, ...row?.settings };
}

export async function findOrgIdByApiKeyHash(db: Queryable, keyHash: string): Promise<string | null> {
  const [row] = await db.select({ orgId: apiKeys.orgId }).from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
  return row?.orgId ?? null;
}
