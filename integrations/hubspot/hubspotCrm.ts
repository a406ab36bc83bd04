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

export interface HubSpotCrm {
  /** The deal with its first company, its contacts and its owner, read through the mapping (default: HubSpot's own properties). */
  fetchDeal(dealId: string, mapping?: HubSpotMapping): Promise<HubSpotDeal>;
  /**
   * Deals in these stages modified after `modifiedAfterMs` (epoch ms), oldest change first, a page
   * at a time, with the deal properties the mapping reads.
   */
  searchClosedWonDeals(opts: { stageIds: string[]; modifiedAfterMs: string | null; closedSinceMs?: string | undefined; after?: string | undefined; limit: number; mapping?: HubSpotMapping | undefined }): Promise<{ deals: { id: string; modifiedAtMs: string }[]; next: string | null; total: number }>;
}

/**
 * The SDK, with its own retries off: the calling activity's retry policy decides (HubSpot's
 * Retry-After becomes the next attempt's delay), so a retry never sleeps inside an activity.
 */
export function createHubSpotCrm(opts: { accessToken: string; basePath?: string | undefined }): HubSpotCrm {
  const client = new Client({ accessToken: opts.accessToken, numberOfApiCallRetries: 0, ...(opts.basePath ? { basePath: opts.basePath } : {}) });
  const text = (value: string | null | undefined) => (value === undefined || value === null || value === '' ? null : value);
  return {
    async fetchDeal(dealId, mapping = { ...HUBSPOT_MAPPING_DEFAULTS }) {
      const read = hubspotPropertiesToRead(mapping);
      const deal = await call('reading the deal', () => client.crm.deals.basicApi.getById(dealId, read.deal, undefined, ['companies', 'contacts']));
      const p = deal.properties;
      const companyId = deal.associations?.companies?.results?.[0]?.id;
      const contactIds = [...new Set((deal.associations?.contacts?.results ?? []).map((r) => r.id))].slice(0, 10);
      const company = companyId ? await call('reading the company', () => client.crm.companies.basicApi.getById(companyId, read.company)) : null;
      const contacts = [];
      for (const id of contactIds) contacts.push(await call('reading a contact', () => client.crm.contacts.basicApi.getById(id, CONTACT_PROPERTIES)));
      const ownerValue = text(p[mapping.aeEmail]);
      let owner: HubSpotDeal['owner'] = null;
      // An owner property holds an owner ID; a property mapped in its place may hold the AE's email itself.
      const ownerId = ownerValue && /^\d{1,20}$/.test(ownerValue) ? ownerValue : null;
      if (ownerValue && !ownerId && ownerValue.includes('@')) owner = { email: ownerValue, name: null };
      if (ownerId) {
        try {
          const o = await client.crm.owners.ownersApi.getById(Number(ownerId));
          owner = { email: text(o.email), name: [o.firstName, o.lastName].filter(Boolean).join(' ') || null };
        } catch (error) {
          // A deleted owner leaves the deal without an AE, not without an account.
          const failure = failureOf(error, 'reading the deal owner');
          if (failure.kind !== 'not_found') throw failure;
        }
      }
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
        deals: page.results.map((d) => ({ id: d.id, modifiedAtMs: String(Date.parse(d.properties.hs_lastmodifieddate ?? '') || d.properties.hs_lastmodifieddate || '0') })),
        next: page.paging?.next?.after ?? null,
        total: page.total,
      };
    },
  };
}
