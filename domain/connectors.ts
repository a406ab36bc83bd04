import { z } from 'zod';
import { storableText } from './text.ts';

// CRM connectors (issue 11): what an organisation connects, and the rules that turn a CRM record
// into an account. Pure: the API, the services and the activities share it.

export const CONNECTOR_PROVIDERS = ['hubspot', 'notion'] as const;
export type ConnectorProvider = (typeof CONNECTOR_PROVIDERS)[number];

/** A connection's state, as the connectors page shows it. */
export const CONNECTION_STATUSES = ['active', 'paused', 'needs_reauth', 'disconnected'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** What became of one CRM record. */
export const SYNC_OUTCOMES = ['created', 'linked', 'skipped', 'failed'] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];

const secret = (what: string) => z.string({ error: `${what} is required` }).trim().min(8, `${what} looks too short`).max(500).superRefine(storableText);
const id = (what: string) => z.string({ error: `${what} is required` }).trim().min(1, `${what} is required`).max(100).regex(/^[A-Za-z0-9_.:-]+$/, `${what} may hold letters, digits and _ . : - only`);

/** `PUT /api/connectors/hubspot`: a private app's token and its client secret (for webhook signatures). */
export const hubspotConnectionSchema = z.strictObject({
  accessToken: secret('accessToken'),
  clientSecret: secret('clientSecret'),
  portalId: id('portalId'),
  /** Deal stages that mean Closed Won; HubSpot's default pipeline calls it `closedwon`. */
  closedWonStageIds: z.array(id('a stage ID')).min(1, 'name at least one stage').max(50).default(['closedwon']),
  /** The template new accounts get, and per pipeline (pipeline ID → template name) where they differ. */
  templateName: z.string({ error: 'templateName is required' }).trim().min(1, 'templateName is required').max(200).superRefine(storableText),
  pipelineTemplates: z.record(id('a pipeline ID'), z.string().trim().min(1).max(200).superRefine(storableText)).default({}),
  /** How often the safety-net search runs (minutes). */
  intervalMinutes: z.number().int('a whole number of minutes').min(1).max(1440).default(5),
});

/** What a connection keeps in the clear (never a token). */
export interface HubSpotSettings {
  portalId: string;
  closedWonStageIds: string[];
  templateName: string;
  pipelineTemplates: Record<string, string>;
  intervalMinutes: number;
}

/** What a connection keeps encrypted. */
export interface HubSpotSecrets { accessToken: string; clientSecret: string }

/** A deal as Relay reads it from HubSpot, with its company, contacts and owner. */
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
export function accountFromDeal(deal: HubSpotDeal, settings: Pick<HubSpotSettings, 'templateName' | 'pipelineTemplates'>): Record<string, unknown> {
  const company = deal.company;
  if (!company) throw new DealNotMappable('company', 'the deal has no associated company');
  const domain = company.domain?.trim() || (company.website ? company.website.replace(/^https?:\/\//, '').split('/')[0] : '');
  if (!domain) throw new DealNotMappable('company.domain', `the company "${company.name ?? company.id}" has no domain`);
  const contact = deal.contacts.find((c) => c.email);
  if (!contact?.email) throw new DealNotMappable('contacts', 'the deal has no contact with an email address');
  const amount = deal.amount ? Math.round(Number(deal.amount)) : NaN;
  if (!Number.isFinite(amount) || amount <= 0) throw new DealNotMappable('amount', 'the deal has no amount (Relay needs it as ARR)');
  const closeDate = deal.closeDate ? deal.closeDate.slice(0, 10) : '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(closeDate)) throw new DealNotMappable('closedate', 'the deal has no close date');
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
