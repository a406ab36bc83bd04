import type { Database } from '../client.ts';
import { hashApiKey, hashWriteKey, newWriteKey, writeKeyPrefix } from '../../domain/apiKeys.ts';
import { newId } from '../ids.ts';
import { findOrganisationBySlug, insertApiKeyHash, insertWriteKeyHash, listWriteKeys } from '../repositories/organisations.ts';
import { seedOrganisation } from './seedOrganisation.ts';

export const DEMO_ORG_SLUG = 'demo';

export interface DemoSeedResult {
  orgId: string;
  created: boolean;
  /** Known only when this run made it or RELAY_SEED_API_KEY gave it: keys are stored hashed. */
  apiKey: string | null;
  /** The events write key (Segment, PostHog), on the same terms: made when the organisation has none, or given by RELAY_SEED_WRITE_KEY. */
  writeKey: string | null;
}

/**
 * The demo organisation's write key: RELAY_SEED_WRITE_KEY's when set, else a new one when it has
 * none yet (a data directory from before write keys gets one too); null when it has one already.
 */
async function seedWriteKey(db: Database, orgId: string, given: string | undefined): Promise<string | null> {
  if (!given && (await listWriteKeys(db, orgId)).length) return null;
  const writeKey = given ?? newWriteKey();
  const holder = await insertWriteKeyHash(db, orgId, {
    id: newId(), name: given ? 'RELAY_SEED_WRITE_KEY' : 'demo', keyHash: hashWriteKey(writeKey), prefix: writeKeyPrefix(writeKey),
  });
  return holder === orgId ? writeKey : null;
}

/** First run: the demo organisation, its admin, three CSMs and the starter templates. Later runs: nothing new. */
export async function seedDemo(db: Database, opts: { adminEmail: string; apiKey?: string | undefined; writeKey?: string | undefined }): Promise<DemoSeedResult> {
  const existing = await findOrganisationBySlug(db, DEMO_ORG_SLUG);
  if (existing) {
    const writeKey = await seedWriteKey(db, existing.id, opts.writeKey);
    if (!opts.apiKey) return { orgId: existing.id, created: false, apiKey: null, writeKey };
    // A key given by RELAY_SEED_API_KEY after the first run still works.
    const holder = await insertApiKeyHash(db, existing.id, { name: 'RELAY_SEED_API_KEY', keyHash: hashApiKey(opts.apiKey) });
    return { orgId: existing.id, created: false, apiKey: holder === existing.id ? opts.apiKey : null, writeKey };
  }
  const seeded = await seedOrganisation(db, {
    name: 'Acme Cloud (demo)',
    slug: DEMO_ORG_SLUG,
    admin: { email: opts.adminEmail, name: 'Avery Admin' },
    csms: [
      { email: 'casey.csm@example.com', name: 'Casey Morgan' },
      { email: 'riley.csm@example.com', name: 'Riley Chen' },
      { email: 'jordan.csm@example.com', name: 'Jordan Patel' },
    ],
    apiKey: opts.apiKey,
  });
  return { orgId: seeded.orgId, created: true, apiKey: seeded.apiKey, writeKey: await seedWriteKey(db, seeded.orgId, opts.writeKey) };
}

/** Two accounts so a newcomer sees runs in the Temporal UI and emails in the dev outbox at once. */
export const DEMO_ACCOUNTS = [
  {
    companyName: 'Globex Corporation', arr: 180_000, closeDate: '2026-11-02', primaryContactName: 'Hank Scorpio',
    primaryContactEmail: 'hank@globex.example', primaryContactRole: 'CEO', industry: 'Manufacturing', companySize: '501-5000',
    website: 'https://globex.example', aeEmail: 'ae.sam@example.com', templateName: 'Enterprise Implementation',
    rawPayload: 'Goal: one onboarding playbook across 4 plants. Success = first plant live in 60 days. Risk: IT worries about SSO and SCIM. Competing with Gainsight; replacing spreadsheets. Go-live by end of Q1.',
  },
  {
    companyName: 'Initech', arr: 36_000, closeDate: '2026-11-10', primaryContactName: 'Peter Gibbons',
    primaryContactEmail: 'peter@initech.example', primaryContactRole: 'Operations lead', companySize: '51-500',
    website: 'https://initech.example', aeEmail: 'ae.sam@example.com', templateName: 'Quick Start',
    rawPayload: 'Wants to cut TPS report time. Champion: Peter. Concern: low adoption last time they tried a tool.',
  },
] as const;
