import { randomBytes } from 'node:crypto';
import { hashApiKey } from '../../domain/apiKeys.ts';
import type { Database } from '../client.ts';
import { newId } from '../ids.ts';
import { saveTemplate } from '../repositories/templates.ts';
import { insertApiKeyHash, insertOrganisation } from '../repositories/organisations.ts';
import { insertUsers } from '../repositories/users.ts';
import type { OrganisationSettings } from '../schema/index.ts';
import { STARTER_TEMPLATES } from './starterTemplates.ts';

export interface OrganisationSeed {
  name: string;
  slug: string;
  admin: { email: string; name: string };
  csms: { email: string; name: string }[];
  /** Without one, a random key is made; either way it is returned once and stored hashed. */
  apiKey?: string | undefined;
  settings?: Partial<OrganisationSettings>;
}

export interface SeededOrganisation {
  orgId: string;
  apiKey: string;
  adminId: string;
  adminEmail: string;
  csms: { id: string; email: string; name: string }[];
}

export const newApiKey = (): string => `relay_${randomBytes(24).toString('base64url')}`;

/** An organisation ready to onboard: its admin, its CSMs, the starter templates and an API key. */
export async function seedOrganisation(db: Database, seed: OrganisationSeed): Promise<SeededOrganisation> {
  const orgId = newId();
  const apiKey = seed.apiKey ?? newApiKey();
  const adminId = newId();
  const csms = seed.csms.map((c) => ({ id: newId(), email: c.email.toLowerCase(), name: c.name }));
  await db.transaction(async (tx) => {
    await insertOrganisation(tx, { id: orgId, name: seed.name, slug: seed.slug, settings: seed.settings ?? {} });
    await insertUsers(tx, orgId, [
      { id: adminId, email: seed.admin.email.toLowerCase(), name: seed.admin.name, role: 'admin' },
      ...csms.map((c) => ({ ...c, role: 'csm' as const })),
    ]);
    await insertApiKeyHash(tx, orgId, { name: 'seed', keyHash: hashApiKey(apiKey) });
  });
  for (const template of STARTER_TEMPLATES) await saveTemplate(db, orgId, template);
  return { orgId, apiKey, adminId, adminEmail: seed.admin.email.toLowerCase(), csms };
}
