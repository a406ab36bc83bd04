import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { handoffQuestionsOf, type HandoffQuestion } from '../../domain/handoffQuestions.ts';
import { apiKeys, DEFAULT_ORGANISATION_SETTINGS, organisations, writeKeys, type OrganisationSettings } from '../schema/index.ts';

export async function getOrganisationSettings(db: Queryable, orgId: string): Promise<OrganisationSettings> {
  const [row] = await db.select({ settings: organisations.settings }).from(organisations).where(eq(organisations.id, orgId));
  return { ...DEFAULT_ORGANISATION_SETTINGS, ...row?.settings };
}

export async function findOrgIdByApiKeyHash(db: Queryable, keyHash: string): Promise<string | null> {
  const [row] = await db.select({ orgId: apiKeys.orgId }).from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
  return row?.orgId ?? null;
}

export async function getOrganisationName(db: Queryable, orgId: string): Promise<string | null> {
  const [row] = await db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, orgId));
  return row?.name ?? null;
}

/**
 * Merges into the stored settings (keys owned by other pages survive). Accounts already running keep
 * the timing they started with: the workflow gets it as input when it starts.
 */
export async function updateOrganisationSettings(db: Queryable, orgId: string, changes: Partial<OrganisationSettings>): Promise<void> {
  await db.update(organisations).set({ settings: sql`${organisations.settings} || ${JSON.stringify(changes)}::jsonb` })
    .where(eq(organisations.id, orgId));
}

/** The questions new handoffs of this organisation ask (the defaults until an admin edits them). */
export async function getHandoffQuestions(db: Queryable, orgId: string): Promise<HandoffQuestion[]> {
  return handoffQuestionsOf(await getOrganisationSettings(db, orgId));
}

/** Drops the organisation's own questions, so its handoffs ask the defaults again (including later changes to them). */
export async function resetHandoffQuestions(db: Queryable, orgId: string): Promise<void> {
  await db.update(organisations).set({ settings: sql`${organisations.settings} - 'handoffQuestions'` })
    .where(eq(organisations.id, orgId));
}

export async function insertOrganisation(db: Queryable, org: { id: string; name: string; slug: string; settings: Partial<OrganisationSettings> }): Promise<void> {
  await db.insert(organisations).values({ id: org.id, name: org.name, slug: org.slug, settings: { ...DEFAULT_ORGANISATION_SETTINGS, ...org.settings } });
}

export async function findOrganisationBySlug(db: Queryable, slug: string) {
  const [row] = await db.select().from(organisations).where(eq(organisations.slug, slug));
  return row ?? null;
}

/**
 * Stores an API key's hash for the organisation (the key itself is shown once and never kept). A hash
 * already stored stays with whichever organisation has it; the answer says which one that is.
 */
export async function insertApiKeyHash(db: Queryable, orgId: string, key: { name: string; keyHash: string }): Promise<string | null> {
  await db.insert(apiKeys).values({ id: newId(), orgId, name: key.name, keyHash: key.keyHash }).onConflictDoNothing({ target: apiKeys.keyHash });
  return findOrgIdByApiKeyHash(db, key.keyHash);
}

export type WriteKeyRecord = Omit<typeof writeKeys.$inferSelect, 'keyHash' | 'orgId'>;

const writeKeyColumns = { id: writeKeys.id, name: writeKeys.name, prefix: writeKeys.prefix, createdAt: writeKeys.createdAt, revokedAt: writeKeys.revokedAt };

/**
 * Stores a write key's hash for the organisation (the key itself is shown once and never kept). A
 * hash already stored stays with whichever organisation has it; the answer is that organisation.
 */
export async function insertWriteKeyHash(db: Queryable, orgId: string, key: { id: string; name: string; keyHash: string; prefix: string }): Promise<string | null> {
  await db.insert(writeKeys).values({ ...key, orgId }).onConflictDoNothing({ target: writeKeys.keyHash });
  const [row] = await db.select({ orgId: writeKeys.orgId }).from(writeKeys).where(eq(writeKeys.keyHash, key.keyHash));
  return row?.orgId ?? null;
}

/** The organisation a write key (by its hash) sends events for; null when unknown or revoked. */
export async function findOrgIdByWriteKeyHash(db: Queryable, keyHash: string): Promise<string | null> {
  const [row] = await db.select({ orgId: writeKeys.orgId }).from(writeKeys).where(and(eq(writeKeys.keyHash, keyHash), isNull(writeKeys.revokedAt)));
  return row?.orgId ?? null;
}

export async function listWriteKeys(db: Queryable, orgId: string): Promise<WriteKeyRecord[]> {
  return db.select(writeKeyColumns).from(writeKeys).where(eq(writeKeys.orgId, orgId)).orderBy(desc(writeKeys.createdAt), writeKeys.id);
}

/** Revokes the key at once (idempotent); null when the organisation has no such key. */
export async function revokeWriteKey(db: Queryable, orgId: string, id: string): Promise<WriteKeyRecord | null> {
  await db.update(writeKeys).set({ revokedAt: new Date() }).where(and(eq(writeKeys.orgId, orgId), eq(writeKeys.id, id), isNull(writeKeys.revokedAt)));
  const [row] = await db.select(writeKeyColumns).from(writeKeys).where(and(eq(writeKeys.orgId, orgId), eq(writeKeys.id, id)));
  return row ?? null;
}
