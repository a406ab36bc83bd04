import { Client } from '@hubspot/api-client';
import { HUBSPOT_MAPPING_DEFAULTS, hubspotPropertiesToRead, type HubSpotDeal, type HubSpotMapping } from '../../domain/connectors.ts';

/**
 * A HubSpot call that failed, typed for the caller's retry policy: a revoked or wrong token
 * (`unauthorized`: retrying changes nothing, a person must reconnect), a record that is not there,
 * a rate limit (with how long HubSpot asked us to wait), or a passing outage.
 */
export class HubSpotCallFailed extends Error {
  override name = 'HubSpotCallFailed';
  constructor(message: string, readonly kind: 'unauthorized' | 'not_found' | 'rate_limited' | 'transient' | 'rejected', readonly status: number | null, readonly retryAfterMs: number | null) {
    super(message);
  }
}

export function failureOf(error: unknown, what: string): HubSpotCallFailed {
  const e = error as { code?: unknown; headers?: Record<string, string>; body?: unknown; message?: string };
  const status = typeof e.code === 'number' ? e.code : null;
  const body = e.body as { message?: string } | undefined;
  const detail = typeof body?.message === 'string' ? body.message : (e.message ?? String(error)).slice(0, 200);
  if (status === 401 || status === 403) return new HubSpotCallFailed(`HubSpot refused the access token while ${what} (${status}): ${detail}`, 'unauthorized', status, null);
  if (status === 404) return new HubSpotCallFailed(`HubSpot has no such record (${what})`, 'not_found', status, null);
  if (status === 429) {
    const seconds = Number(e.headers?.['retry-after'] ?? e.headers?.['Retry-After']);
    return new HubSpotCallFailed(`HubSpot's rate limit (${what}): ${detail}`, 'rate_limited', status, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 10_000);
  }
  if (status !== null && status >= 400 && status < 500) return new HubSpotCallFailed(`HubSpot refused the request (${what}, ${status}): ${detail}`, 'rejected', status, null);
  return new HubSpotCallFailed(`HubSpot did not answer (${what}): ${detail}`, 'transient', status, null);
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw failureOf(error, what);
  }
}

const CONTACT_PROPERTIES = ['firstname', 'lastname', 'email', 'jobtitle'];
/** Contacts Relay reads per deal: the first ten associated (a primary contact is among them). */
const CONTACTS_PER_DEAL = 10;
/** HubSpot's batch read and v4 association batch read take 100 inputs a call. */
const BATCH_SIZE = 100;
/** Owners per list call (HubSpot's maximum). */
const OWNERS_PER_CALL = 500;

type Properties = Record<string, string | null>;

/** A CRM object as read: its ID and the properties asked for. */
export interface HubSpotObject { id: string; properties: Properties }

/**
 * What a bulk read of a page of deals has read so far: each step's answer, kept so a retried attempt
 * (after a 429 between steps) reads only what it had not (the activity heartbeats this). Plain data.
 */
export interface BulkDealReads {
  /** Deal ID → its associated company IDs, then contact IDs (v4 association order). */
  companyIds?: Record<string, string[]>;
  contactIds?: Record<string, string[]>;
  /** Records read by batch read, by ID (a batch's worth at a time). */
  companies?: Record<string, Properties>;
  contacts?: Record<string, Properties>;
  /** The portal's active owners, by ID. */
  owners?: Record<string, { email: string | null; name: string | null }>;
  /** IDs a batch read answered as not found (207): their deals are read one at a time instead. */
  missingCompanies?: string[];
  missingContacts?: string[];
}

export interface HubSpotCrm {
  /** The deal with its first company, its contacts and its owner, read through the mapping (default: HubSpot's own properties). */
  fetchDeal(dealId: string, mapping?: HubSpotMapping): Promise<HubSpotDeal>;
  /**
   * Deals in these stages modified after `modifiedAfterMs` (epoch ms), oldest change first, a page
   * at a time, with the deal properties the mapping reads.
   */
  searchClosedWonDeals(opts: { stageIds: string[]; modifiedAfterMs: string | null; closedSinceMs?: string | undefined; after?: string | undefined; limit: number; mapping?: HubSpotMapping | undefined }): Promise<{ deals: { id: string; modifiedAtMs: string; properties: Properties }[]; next: string | null; total: number }>;
  /**
   * Deals already read (a search page's, with the mapping's deal properties) completed in bulk with
   * what `fetchDeal` reads one deal at a time: their company and contact associations (v4 batch
   * read), the companies and contacts (batch read, 100 a call) and the owners (one list). A few calls
   * for a page of 100 deals instead of ~400. `reads` is what an earlier attempt already read (it is
   * filled in place, and `onProgress` hears after each call); a deal whose company or contact HubSpot
   * no longer has comes back as null, to be read the single-deal way.
   */
  readDealsInBulk(deals: HubSpotObject[], mapping: HubSpotMapping, reads?: BulkDealReads, onProgress?: (reads: BulkDealReads) => void): Promise<(HubSpotDeal | null)[]>;
}

const text = (value: string | null | undefined) => (value === undefined || value === null || value === '' ? null : value);

/**
 * The owner a deal names: an owner property holds an owner ID; a property mapped in its place may
 * hold the AE's email itself (then there is nothing to read).
 */
function ownerOf(properties: Properties, mapping: HubSpotMapping): { ownerId: string | null; owner: HubSpotDeal['owner'] } {
  const value = text(properties[mapping.aeEmail]);
  const ownerId = value && /^\d{1,20}$/.test(value) ? value : null;
  return { ownerId, owner: value && !ownerId && value.includes('@') ? { email: value, name: null } : null };
}

/**
 * A deal as Relay reads it, from the HubSpot records however they were read (one by one or in
 * bulk): the one place the mapping picks properties, so both paths map a deal the same way.
 */
export function dealFromRecords(deal: HubSpotObject, company: HubSpotObject | null, contacts: HubSpotObject[], owner: HubSpotDeal['owner'], mapping: HubSpotMapping): HubSpotDeal {
  const p = deal.properties;
  return {
    id: deal.id, name: text(p.dealname), amount: text(p[mapping.arr]), closeDate: text(p[mapping.closeDate]), stage: text(p.dealstage),
    pipeline: text(p.pipeline), description: text(p[mapping.notes]),
    company: company ? {
      id: company.id, name: text(company.properties[mapping.companyName]), domain: text(company.properties[mapping.domain]),
      industry: text(company.properties[mapping.industry]), employees: text(company.properties[mapping.employees]), website: text(company.properties[mapping.website]),
    } : null,
    contacts: contacts.map((c) => ({
      id: c.id, firstName: text(c.properties.firstname), lastName: text(c.properties.lastname), email: text(c.properties.email), jobTitle: text(c.properties.jobtitle),
    })),
    owner,
  };
}

const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
const ownerName = (o: { firstName?: string; lastName?: string }) => [o.firstName, o.lastName].filter(Boolean).join(' ') || null;

/**
 * The SDK, with its own retries off: the calling activity's retry policy decides (HubSpot's
 * Retry-After becomes the next attempt's delay), so a retry never sleeps inside an activity.
 */
export function createHubSpotCrm(opts: { accessToken: string; basePath?: string | undefined }): HubSpotCrm {
  const client = new Client({ accessToken: opts.accessToken, numberOfApiCallRetries: 0, ...(opts.basePath ? { basePath: opts.basePath } : {}) });

  /** Each deal's associated objects of one type, in HubSpot's order (deals without any: none). */
  async function associated(dealIds: string[], to: 'companies' | 'contacts'): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = Object.fromEntries(dealIds.map((id) => [id, []]));
    for (const inputs of chunks(dealIds, BATCH_SIZE)) {
      const page = await call(`reading the deals' ${to}`, () => client.crm.associations.v4.batchApi.getPage('deals', to, { inputs: inputs.map((id) => ({ id })) }));
      // A deal with nothing associated is one of the answer's errors (207), not a result: it stays [].
      for (const result of page.results) out[String(result._from.id)] = [...new Set(result.to.map((t) => String(t.toObjectId)))];
    }
    return out;
  }

  /** Batch reads the IDs not read yet, 100 a call, noting each call's records (and the ones HubSpot no longer has). */
  async function batchRead(type: 'companies' | 'contacts', ids: string[], properties: string[], into: Record<string, Properties>, reads: BulkDealReads, onProgress?: (reads: BulkDealReads) => void) {
    const key = type === 'companies' ? 'missingCompanies' : 'missingContacts';
    const missing = new Set(reads[key] ?? []);
    const toRead = [...new Set(ids)].filter((id) => !(id in into) && !missing.has(id));
    for (const inputs of chunks(toRead, BATCH_SIZE)) {
      const api = type === 'companies' ? client.crm.companies.batchApi : client.crm.contacts.batchApi;
      const page = await call(`reading ${type} in bulk`, () => api.read({ inputs: inputs.map((id) => ({ id })), properties, propertiesWithHistory: [] }));
      for (const record of page.results) into[record.id] = record.properties;
      for (const id of inputs) if (!(id in into)) missing.add(id);
      reads[key] = [...missing];
      onProgress?.(reads);
    }
  }

  /** Every active owner of the portal, a list call per 500. */
  async function allOwners(): Promise<Record<string, { email: string | null; name: string | null }>> {
    const owners: Record<string, { email: string | null; name: string | null }> = {};
    let after: string | undefined;
    do {
      const page = await call('listing the deal owners', () => client.crm.owners.ownersApi.getPage(undefined, after, OWNERS_PER_CALL, false));
      for (const o of page.results) owners[o.id] = { email: text(o.email), name: ownerName(o) };
      after = page.paging?.next?.after;
    } while (after);
    return owners;
  }

  return {
    async fetchDeal(dealId, mapping = { ...HUBSPOT_MAPPING_DEFAULTS }) {
      const read = hubspotPropertiesToRead(mapping);
      const deal = await call('reading the deal', () => client.crm.deals.basicApi.getById(dealId, read.deal, undefined, ['companies', 'contacts']));
      const companyId = deal.associations?.companies?.results?.[0]?.id;
      const contactIds = [...new Set((deal.associations?.contacts?.results ?? []).map((r) => r.id))].slice(0, CONTACTS_PER_DEAL);
      const company = companyId ? await call('reading the company', () => client.crm.companies.basicApi.getById(companyId, read.company)) : null;
      const contacts = [];
      for (const id of contactIds) contacts.push(await call('reading a contact', () => client.crm.contacts.basicApi.getById(id, CONTACT_PROPERTIES)));
      let { ownerId, owner } = ownerOf(deal.properties, mapping);
      if (ownerId) {
        try {
          const o = await client.crm.owners.ownersApi.getById(Number(ownerId));
          owner = { email: text(o.email), name: ownerName(o) };
        } catch (error) {
          // A deleted owner leaves the deal without an AE, not without an account.
          const failure = failureOf(error, 'reading the deal owner');
          if (failure.kind !== 'not_found') throw failure;
        }
      }
      return dealFromRecords(deal, company, contacts, owner, mapping);
    },

    async readDealsInBulk(deals, mapping, reads = {}, onProgress) {
      if (!deals.length) return [];
      const read = hubspotPropertiesToRead(mapping);
      const dealIds = deals.map((d) => d.id);
      // Each step once: a retried attempt passes what the last one read, and goes on from there.
      if (!reads.companyIds) { reads.companyIds = await associated(dealIds, 'companies'); onProgress?.(reads); }
      if (!reads.contactIds) { reads.contactIds = await associated(dealIds, 'contacts'); onProgress?.(reads); }
      const companyOf = (dealId: string) => reads.companyIds![dealId]?.[0];
      const contactsOf = (dealId: string) => (reads.contactIds![dealId] ?? []).slice(0, CONTACTS_PER_DEAL);
      reads.companies ??= {};
      reads.contacts ??= {};
      await batchRead('companies', dealIds.map(companyOf).filter((id): id is string => !!id), read.company, reads.companies, reads, onProgress);
      await batchRead('contacts', dealIds.flatMap(contactsOf), CONTACT_PROPERTIES, reads.contacts, reads, onProgress);
      const ownerIds = deals.map((d) => ownerOf(d.properties, mapping).ownerId).filter(Boolean);
      if (ownerIds.length && !reads.owners) { reads.owners = await allOwners(); onProgress?.(reads); }
      const missingCompanies = new Set(reads.missingCompanies ?? []);
      const missingContacts = new Set(reads.missingContacts ?? []);
      return deals.map((deal) => {
        const companyId = companyOf(deal.id);
        const contactIds = contactsOf(deal.id);
        // Deleted between the association read and the batch read: the single-deal path says what became of it.
        if ((companyId && missingCompanies.has(companyId)) || contactIds.some((id) => missingContacts.has(id))) return null;
        const company = companyId ? { id: companyId, properties: reads.companies![companyId]! } : null;
        const contacts = contactIds.map((id) => ({ id, properties: reads.contacts![id]! }));
        const { ownerId, owner } = ownerOf(deal.properties, mapping);
        // An owner the list does not have (deleted) leaves the deal without an AE, as fetchDeal's 404 does.
        return dealFromRecords(deal, company, contacts, ownerId ? reads.owners?.[ownerId] ?? null : owner, mapping);
      });
    },

    async searchClosedWonDeals({ stageIds, modifiedAfterMs, closedSinceMs, after, limit, mapping }) {
      const filters = [
        { propertyName: 'dealstage', operator: 'IN' as const, values: stageIds },
        ...(modifiedAfterMs ? [{ propertyName: 'hs_lastmodifieddate', operator: 'GT' as const, value: modifiedAfterMs }] : []),
        ...(closedSinceMs ? [{ propertyName: 'closedate', operator: 'GTE' as const, value: closedSinceMs }] : []),
      ];
      const page = await call('searching Closed Won deals', () => client.crm.deals.searchApi.doSearch({
        // The SDK types sorts as strings; HubSpot wants objects (HubSpot/hubspot-api-nodejs#559).
        filterGroups: [{ filters: filters as never }], sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }] as never, properties: hubspotPropertiesToRead(mapping ?? { ...HUBSPOT_MAPPING_DEFAULTS }).deal, limit,
        ...(after ? { after } : {}),
      }));
      return {
        deals: page.results.map((d) => ({
          id: d.id, modifiedAtMs: String(Date.parse(d.properties.hs_lastmodifieddate ?? '') || d.properties.hs_lastmodifieddate || '0'), properties: d.properties,
        })),
        next: page.paging?.next?.after ?? null,
        total: page.total,
      };
    },
  };
}
