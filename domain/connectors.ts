import { z } from 'zod';
import { storableText } from './text.ts';

// CRM connectors (issue 11): what an organisation connects, and the rules that turn a CRM record
// into an account. Pure: the API, the services and the activities share it.

export const CONNECTOR_PROVIDERS = ['hubspot', 'notion'] as const;
export type ConnectorProvider = (typeof CONNECTOR_PROVIDERS)[number];

/** What Relay needs granted to read Closed Won deals: a private app's scopes, and what the OAuth install asks for. */
export const HUBSPOT_SCOPES = ['crm.objects.deals.read', 'crm.objects.companies.read', 'crm.objects.contacts.read', 'crm.objects.owners.read'] as const;

/** A connection's state, as the connectors page shows it. */
export const CONNECTION_STATUSES = ['active', 'paused', 'needs_reauth', 'disconnected'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** What became of one CRM record. */
export const SYNC_OUTCOMES = ['created', 'linked', 'skipped', 'failed'] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];

const secret = (what: string) => z.string({ error: `${what} is required` }).trim().min(8, `${what} looks too short`).max(500).superRefine(storableText);
const id = (what: string) => z.string({ error: `${what} is required` }).trim().min(1, `${what} is required`).max(100).regex(/^[A-Za-z0-9_.:-]+$/, `${what} may hold letters, digits and _ . : - only`);

/**
 * The account fields a HubSpot deal fills, each from a property the organisation may name instead
 * of HubSpot's default: the deal's own (ARR, close date, owner, notes) or its company's.
 */
export const HUBSPOT_MAPPING_DEFAULTS = {
  companyName: 'name', domain: 'domain', website: 'website', industry: 'industry', employees: 'numberofemployees',
  arr: 'amount', closeDate: 'closedate', aeEmail: 'hubspot_owner_id', notes: 'description',
} as const;
export type HubSpotMappedField = keyof typeof HUBSPOT_MAPPING_DEFAULTS;
export type HubSpotMapping = Record<HubSpotMappedField, string>;

/** Which HubSpot object each mapped field is read from. */
export const HUBSPOT_MAPPING_OBJECT: Record<HubSpotMappedField, 'deal' | 'company'> = {
  companyName: 'company', domain: 'company', website: 'company', industry: 'company', employees: 'company',
  arr: 'deal', closeDate: 'deal', aeEmail: 'deal', notes: 'deal',
};

// HubSpot's internal property names: letters, digits and underscores (custom ones are lower case).
const hubspotProperty = (field: string) => z.string({ error: `mapping.${field} must be a HubSpot property name` }).trim()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, `mapping.${field} must be a HubSpot property's internal name (letters, digits and _, like hs_arr)`);

/** Overrides only: a field left out (or given empty) reads HubSpot's default property. */
export const hubspotMappingSchema = z.strictObject(
  Object.fromEntries(Object.keys(HUBSPOT_MAPPING_DEFAULTS).map((f) => [f, hubspotProperty(f).optional()])) as Record<HubSpotMappedField, z.ZodOptional<ReturnType<typeof hubspotProperty>>>,
  { error: 'mapping must be an object of Relay field → HubSpot property name' },
);
export type HubSpotMappingOverrides = z.infer<typeof hubspotMappingSchema>;

/** The mapping a connection reads deals with: its overrides over HubSpot's defaults. */
export function hubspotMappingOf(overrides: Partial<Record<string, unknown>> | null | undefined): HubSpotMapping {
  const mapping: HubSpotMapping = { ...HUBSPOT_MAPPING_DEFAULTS };
  for (const field of Object.keys(HUBSPOT_MAPPING_DEFAULTS) as HubSpotMappedField[]) {
    const value = overrides?.[field];
    if (typeof value === 'string' && value) mapping[field] = value;
  }
  return mapping;
}

/** The deal and company properties to ask HubSpot for under a mapping (each once). */
export function hubspotPropertiesToRead(mapping: HubSpotMapping): { deal: string[]; company: string[] } {
  const of = (object: 'deal' | 'company') => (Object.keys(mapping) as HubSpotMappedField[]).filter((f) => HUBSPOT_MAPPING_OBJECT[f] === object).map((f) => mapping[f]);
  return {
    deal: [...new Set(['dealname', 'dealstage', 'pipeline', 'hs_lastmodifieddate', ...of('deal')])],
    company: [...new Set(of('company'))],
  };
}

/** The Closed Won stages, template(s), interval and mapping: what a connection is set up with, however it authenticates. */
const hubspotSetupShape = {
  /** Deal stages that mean Closed Won; HubSpot's default pipeline calls it `closedwon`. */
  closedWonStageIds: z.array(id('a stage ID')).min(1, 'name at least one stage').max(50).default(['closedwon']),
  /** The template new accounts get, and per pipeline (pipeline ID → template name) where they differ. */
  templateName: z.string({ error: 'templateName is required' }).trim().min(1, 'templateName is required').max(200).superRefine(storableText),
  pipelineTemplates: z.record(id('a pipeline ID'), z.string().trim().min(1).max(200).superRefine(storableText)).default({}),
  /** How often the safety-net search runs (minutes). */
  intervalMinutes: z.number().int('a whole number of minutes').min(1).max(1440).default(5),
  /** Relay field → HubSpot property, where the defaults do not fit. */
  mapping: hubspotMappingSchema.default({}),
};

/** What "Connect with HubSpot" (OAuth) is given before the install: everything but the token, which HubSpot grants. */
export const hubspotOAuthSetupSchema = z.strictObject(hubspotSetupShape);

/** `PUT /api/connectors/hubspot`: a private app's token and its client secret (for webhook signatures). */
export const hubspotConnectionSchema = z.strictObject({
  accessToken: secret('accessToken'),
  clientSecret: secret('clientSecret'),
  portalId: id('portalId'),
  ...hubspotSetupShape,
});

/** What a connection keeps in the clear (never a token). */
export interface HubSpotSettings {
  portalId: string;
  closedWonStageIds: string[];
  templateName: string;
  pipelineTemplates: Record<string, string>;
  intervalMinutes: number;
  /** Overrides of the default property mapping (absent on connections made before it existed). */
  mapping?: HubSpotMappingOverrides;
  /** How Relay holds HubSpot's trust: a private app's token, or an OAuth install (absent: private app). */
  auth?: 'private_app' | 'oauth';
}

/**
 * What a connection keeps encrypted: the token it calls HubSpot with and the client secret webhooks
 * are signed with (the private app's, or the OAuth app's). An OAuth install adds what refreshing
 * the token takes, and when the token expires.
 */
export interface HubSpotSecrets {
  accessToken: string;
  clientSecret: string;
  oauth?: { clientId: string; refreshToken: string; expiresAtMs: number };
}

/**
 * A deal as Relay reads it from HubSpot, with its company, contacts and owner. Amount, close date,
 * description, owner and the company's fields hold the properties the connection's mapping names.
 */
export interface HubSpotDeal {
  id: string;
  name: string | null;
  amount: string | null;
  closeDate: string | null;
  stage: string | null;
  pipeline: string | null;
  description: string | null;
  company: { id: string; name: string | null; domain: string | null; industry: string | null; employees: string | null; website: string | null } | null;
  contacts: { id: string; firstName: string | null; lastName: string | null; email: string | null; jobTitle: string | null }[];
  owner: { email: string | null; name: string | null } | null;
}

/** Why a deal could not become an account, in words an admin acts on. */
export class DealNotMappable extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'DealNotMappable';
  }
}

const sizeOf = (employees: string | null): '1-50' | '51-500' | '501-5000' | '5000+' | undefined => {
  const n = employees ? Number(employees) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return n <= 50 ? '1-50' : n <= 500 ? '51-500' : n <= 5000 ? '501-5000' : '5000+';
};

/**
 * A Closed Won deal as an account body (the same body POST /api/accounts takes): company name and
 * domain from its company, ARR from the amount, close date, the first contact with an email as
 * primary contact, the owner as AE, and the deal's description and details as the raw notes the
 * handoff Q&A is drafted from. A deal without a company domain or a contact email is refused, named.
 */
export function accountFromDeal(deal: HubSpotDeal, settings: Pick<HubSpotSettings, 'templateName' | 'pipelineTemplates' | 'mapping'>): Record<string, unknown> {
  const mapping = hubspotMappingOf(settings.mapping);
  // The property a refusal names: HubSpot's default name, or the organisation's own.
  const named = (field: HubSpotMappedField, what: string) => (mapping[field] === HUBSPOT_MAPPING_DEFAULTS[field] ? what : `value in "${mapping[field]}" for its ${what}`);
  const company = deal.company;
  if (!company) throw new DealNotMappable('company', 'the deal has no associated company');
  const domain = company.domain?.trim() || (company.website ? company.website.replace(/^https?:\/\//, '').split('/')[0] : '');
  if (!domain) throw new DealNotMappable(`company.${mapping.domain}`, `the company "${company.name ?? company.id}" has no ${named('domain', 'domain')}`);
  const contact = deal.contacts.find((c) => c.email);
  if (!contact?.email) throw new DealNotMappable('contacts', 'the deal has no contact with an email address');
  const amount = deal.amount ? Math.round(Number(deal.amount)) : NaN;
  if (!Number.isFinite(amount) || amount <= 0) throw new DealNotMappable(mapping.arr, `the deal has no ${named('arr', 'amount')} (Relay needs it as ARR)`);
  const closeDate = deal.closeDate ? deal.closeDate.slice(0, 10) : '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(closeDate)) throw new DealNotMappable(mapping.closeDate, `the deal has no ${named('closeDate', 'close date')}`);
  const contactName = [contact.firstName, contact.lastName].filter(Boolean).join(' ') || contact.email;
  const size = sizeOf(company.employees);
  const raw = [
    deal.description ? `Deal notes: ${deal.description}` : '',
    `Deal: ${deal.name ?? deal.id} (HubSpot deal ${deal.id})`,
    company.industry ? `Industry: ${company.industry}` : '',
  ].filter(Boolean).join('\n');
  return {
    companyName: company.name?.trim() || domain,
    arr: amount,
    closeDate,
    primaryContactName: contactName,
    primaryContactEmail: contact.email,
    ...(contact.jobTitle ? { primaryContactRole: contact.jobTitle } : {}),
    ...(company.industry ? { industry: company.industry } : {}),
    ...(size ? { companySize: size } : {}),
    website: `https://${domain}`,
    ...(deal.owner?.email ? { aeEmail: deal.owner.email } : {}),
    templateName: (deal.pipeline && settings.pipelineTemplates[deal.pipeline]) || settings.templateName,
    rawPayload: raw,
  };
}
