import type { Database } from '../client.ts';
import { hashApiKey } from '../../domain/apiKeys.ts';
import { findOrganisationBySlug, insertApiKeyHash } from '../repositories/organisations.ts';
import { seedOrganisation } from './seedOrganisation.ts';

export const DEMO_ORG_SLUG = 'demo';

export interface DemoSeedResult {
  orgId: string;
  created: boolean;
  /** Known only when this run made it or RELAY_SEED_API_KEY gave it: keys are stored hashed. */
  apiKey: string | null;
}

/** First run: the demo organisation, its admin, three CSMs and the starter templates. Later runs: nothing new. */
export async function seedDemo(db: Database, opts: { adminEmail: string; apiKey?: string | undefined }): Promise<DemoSeedResult> {
  const existing = await findOrganisationBySlug(db, DEMO_ORG_SLUG);
  if (existing) {
    if (!opts.apiKey) return { orgId: existing.id, created: false, apiKey: null };
    // A key given by RELAY_SEED_API_KEY after the first run still works.
    const holder = await insertApiKeyHash(db, existing.id, { name: 'RELAY_SEED_API_KEY', keyHash: hashApiKey(opts.apiKey) });
    return { orgId: existing.id, created: false, apiKey: holder === existing.id ? opts.apiKey : null };
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
  return { orgId: seeded.orgId, created: true, apiKey: seeded.apiKey };
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
