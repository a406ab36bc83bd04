import type { Database } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import { findOrgIdByWriteKeyHash, insertWriteKeyHash, listWriteKeys, revokeWriteKey, type WriteKeyRecord } from '../db/repositories/organisations.ts';
import { hashWriteKey, newWriteKey, writeKeyPrefix } from '../domain/apiKeys.ts';
import { RelayError } from './errors.ts';

export interface CreatedWriteKey extends WriteKeyRecord {
  /** The key itself: answered this once, stored only as its hash. */
  writeKey: string;
}

/** A new write key for the organisation's event sources (Segment, PostHog). */
export async function createWriteKey(db: Database, orgId: string, name: string): Promise<CreatedWriteKey> {
  const writeKey = newWriteKey();
  const id = newId();
  await insertWriteKeyHash(db, orgId, { id, name, keyHash: hashWriteKey(writeKey), prefix: writeKeyPrefix(writeKey) });
  const created = (await listWriteKeys(db, orgId)).find((k) => k.id === id);
  if (!created) throw new Error('the write key just stored is missing');
  return { ...created, writeKey };
}

export async function revokeOrganisationWriteKey(db: Database, orgId: string, id: string): Promise<WriteKeyRecord> {
  const revoked = await revokeWriteKey(db, orgId, id);
  if (!revoked) throw new RelayError('not_found', 'no such write key');
  return revoked;
}

/** The organisation a write key sends events for; 401 when it is missing, unknown or revoked. */
export async function authenticateWriteKey(db: Database, key: string | null, how: string): Promise<string> {
  if (!key) throw new RelayError('unauthorized', `a write key is required: ${how}`);
  const orgId = await findOrgIdByWriteKeyHash(db, hashWriteKey(key));
  if (!orgId) throw new RelayError('unauthorized', 'this write key is not valid (unknown or revoked)');
  return orgId;
}
