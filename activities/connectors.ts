import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import {
  advanceConnectionCursor, getConnectionById, getConnectorRecord, recordConnectorOutcome, setConnectionState,
} from '../db/repositories/connectors.ts';
import { accountFromDeal, DealNotMappable, hubspotMappingOf, type HubSpotDeal, type SyncOutcome } from '../domain/connectors.ts';
import { HubSpotCallFailed, type BulkDealReads, type HubSpotCrm } from '../integrations/hubspot/hubspotCrm.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { createSecretBox } from '../platform/secretBox.ts';
import { hubspotSettingsOf, startDealImport } from '../services/connectors/hubspot.ts';
import { hubspotCrmFor } from '../services/connectors/hubspotAuth.ts';
import { connectionNeedsReauth } from '../services/connectors/reauth.ts';
import { createAccount } from '../services/createAccount.ts';
import { RelayError } from '../services/errors.ts';
import { hubspotDealWorkflowId, type HubSpotDealInput, type HubSpotDealResult } from '../workflows/connectorDefinitions.ts';
import { FAILURE_TYPES } from '../workflows/definitions.ts';

export interface ConnectorActivityDeps {
  db: Database;
  mailer: Mailer;
  /** Where links in emails point (the admins' reconnect link). */
  publicUrl: string;
  /** RELAY_SECRET (or development's generated one): what connection secrets are sealed with. */
  tokenSecret: string;
  /** HUBSPOT_BASE_URL: tests point the SDK at a fake of HubSpot's API. */
  hubspotBaseUrl?: string | undefined;
}

/** Search pages per sync run, 100 deals each: a backlog bigger than that is the next run's. */
const MAX_SEARCH_PAGES = 50;

/** A backfill page's attempt so far, heartbeated (plain data): its search answer, its bulk reads, whether its deals' runs started. */
interface BackfillPageProgress {
  after: string | null;
  page: Awaited<ReturnType<HubSpotCrm['searchClosedWonDeals']>>;
  reads: BulkDealReads;
  /** The deals handed to their runs (those not imported before). */
  importing?: string[];
  started: boolean;
}

/** What an earlier attempt of this page heartbeated, if it is this page's. */
function backfillPageProgressOf(details: unknown, after: string | null): BackfillPageProgress | null {
  const d = details as Partial<BackfillPageProgress> | undefined;
  if (!d || typeof d !== 'object' || d.after !== after || !d.page || !Array.isArray(d.page.deals) || typeof d.started !== 'boolean') return null;
  return { after, page: d.page, reads: d.reads && typeof d.reads === 'object' ? d.reads : {}, started: d.started, ...(Array.isArray(d.importing) ? { importing: d.importing } : {}) };
}

/** Heartbeat details stay well under Temporal's payload limit: past it, the reads are left out (a retry reads them again). */
const MAX_HEARTBEAT_BYTES = 512 * 1024;
function heartbeatable(progress: BackfillPageProgress): BackfillPageProgress {
  return JSON.stringify(progress).length <= MAX_HEARTBEAT_BYTES ? progress : { ...progress, reads: {} };
}

/** Runs of a page that may still be going when the next page starts: a straggler on its retry backoff holds no one up. */
const BACKFILL_STRAGGLERS = 10;

/**
 * Waits until at most `stragglers` of the runs are still going (each run's result is awaited
 * by a long poll, not a sleep loop), for up to most of the attempt's start-to-close time; the rest
 * go on while the next page reads, so a page never times out waiting.
 */
async function untilRunsEnd(context: Context, workflowIds: string[], stragglers: number, attemptStarted: number, beat: () => void): Promise<void> {
  const left = attemptStarted + Math.max(10_000, context.info.startToCloseTimeoutMs * 0.75) - Date.now();
  let open = workflowIds.length;
  if (open <= stragglers || left <= 0) return;
  const stop = new AbortController();
  const enough = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, left);
    stop.signal.addEventListener('abort', () => clearTimeout(timer));
    for (const workflowId of workflowIds) {
      context.client.withAbortSignal(stop.signal, () => context.client.workflow.getHandle(workflowId).result())
        // A run that failed or was replaced: its record says what became of the deal.
        .catch(() => undefined)
        .finally(() => {
          open -= 1;
          if (!stop.signal.aborted) beat();
          if (open <= stragglers) resolve();
        });
    }
  });
  try {
    await enough;
  } finally {
    stop.abort();
  }
}

export function createConnectorActivities(deps: ConnectorActivityDeps) {
  const secretBox = createSecretBox(deps.tokenSecret);

  /** The connection and its settings, without a HubSpot client (nor a token refresh). */
  async function connectionFor(orgId: string, connectionId: string) {
    const row = await getConnectionById(deps.db, orgId, connectionId);
    if (!row || row.status === 'disconnected') throw ApplicationFailure.create({ type: FAILURE_TYPES.connectionMissing, message: 'HubSpot was disconnected', nonRetryable: true });
    return { row, settings: hubspotSettingsOf(row) };
  }

  /**
   * The connection, its settings and mapping, and a HubSpot client on a fresh token (an OAuth
   * install's refreshed first when it is about to expire; a refused refresh fails as a 401 does).
   */
  async function hubspotFor(orgId: string, connectionId: string) {
    const { row, settings } = await connectionFor(orgId, connectionId);
    try {
      const crm = await hubspotCrmFor({ db: deps.db, secretBox, hubspotBaseUrl: deps.hubspotBaseUrl }, row);
      return { row, settings, mapping: hubspotMappingOf(settings.mapping), crm };
    } catch (error) {
      throw await hubspotFailure(error, orgId, connectionId);
    }
  }

  /**
   * What a HubSpot failure means to the retry policy: a rate limit waits as long as HubSpot asked
   * (nextRetryDelay, never a sleep here), an outage retries on the policy, and a refused token stops
   * everything until a person reconnects: the connection says so, and the page shows it.
   */
  async function hubspotFailure(error: unknown, orgId: string, connectionId: string): Promise<unknown> {
    if (!(error instanceof HubSpotCallFailed)) return error;
    if (error.kind === 'unauthorized') {
      await connectionNeedsReauth(deps, { orgId, connectionId, provider: 'HubSpot', problem: `${error.message}. Reconnect HubSpot with a valid token.` });
      return ApplicationFailure.create({ type: FAILURE_TYPES.connectorUnauthorized, message: error.message, nonRetryable: true });
    }
    if (error.kind === 'rate_limited') return ApplicationFailure.create({ type: FAILURE_TYPES.connectorRateLimited, message: error.message, nextRetryDelay: error.retryAfterMs ?? 10_000 });
    if (error.kind === 'not_found' || error.kind === 'rejected') return ApplicationFailure.create({ type: FAILURE_TYPES.connectorRecordRejected, message: error.message, nonRetryable: true });
    return error;
  }

  /** Of these deals, those already imported (their record holds an account): a backfill reads and starts them no more. */
  async function alreadyImported(connectionId: string, dealIds: string[]): Promise<Set<string>> {
    const seen = await Promise.all(dealIds.map((id) => getConnectorRecord(deps.db, connectionId, id)));
    return new Set(dealIds.filter((_, i) => seen[i]?.accountId && (seen[i]!.outcome === 'created' || seen[i]!.outcome === 'linked')));
  }

  return {
    /**
     * One deal: read it with its company, contacts and owner (or take what a backfill page read in
     * bulk, without calling HubSpot), map it, and create its account through the same service every
     * other path uses; a company Relay already has is linked, not duplicated. A deal already imported
     * (its record holds an account) ends here.
     */
    async importHubSpotDeal(input: HubSpotDealInput): Promise<HubSpotDealResult> {
      const seen = await getConnectorRecord(deps.db, input.connectionId, input.dealId);
      if (seen?.accountId && (seen.outcome === 'created' || seen.outcome === 'linked')) return { outcome: seen.outcome, accountId: seen.accountId, reason: null };
      const recordUrl = `https://app.hubspot.com/contacts/${input.portalId}/record/0-3/${input.dealId}`;
      const record = async (outcome: SyncOutcome, accountId: string | null, reason: string | null, companyId?: string | null) => {
        await recordConnectorOutcome(deps.db, {
          connectionId: input.connectionId, orgId: input.orgId, externalId: input.dealId, outcome, accountId, recordUrl, reason,
          companyUrl: companyId ? `https://app.hubspot.com/contacts/${input.portalId}/record/0-2/${companyId}` : null,
        });
        return { outcome, accountId, reason };
      };
      let deal;
      let settings;
      try {
        if (input.prefetched) {
          settings = (await connectionFor(input.orgId, input.connectionId)).settings;
          deal = input.prefetched;
        } else {
          const hubspot = await hubspotFor(input.orgId, input.connectionId);
          settings = hubspot.settings;
          deal = await hubspot.crm.fetchDeal(input.dealId, hubspot.mapping);
        }
      } catch (error) {
        const failure = await hubspotFailure(error, input.orgId, input.connectionId);
        // A disconnected connection records nothing: its records stay as they were.
        if (failure instanceof ApplicationFailure && failure.nonRetryable && failure.type !== FAILURE_TYPES.connectionMissing) await record('failed', null, failure.message);
        throw failure;
      }
      if (!deal.stage || !settings.closedWonStageIds.includes(deal.stage)) {
        return record('skipped', null, `the deal is in stage "${deal.stage ?? 'none'}", not a Closed Won stage (${settings.closedWonStageIds.join(', ')})`, deal.company?.id);
      }
      let body: Record<string, unknown>;
      try {
        body = accountFromDeal(deal, settings);
      } catch (error) {
        if (error instanceof DealNotMappable) return record('failed', null, error.message, deal.company?.id);
        throw error;
      }
      const context = Context.current();
      try {
        const created = await createAccount({ db: deps.db, temporal: context.client, taskQueue: context.info.taskQueue }, input.orgId, body);
        return await record('created', created.id, null, deal.company?.id);
      } catch (error) {
        if (error instanceof RelayError && error.code === 'conflict' && typeof error.details.existingAccountId === 'string') {
          return record('linked', error.details.existingAccountId, null, deal.company?.id);
        }
        if (error instanceof RelayError && error.code === 'validation') {
          const fields = (error.details.fields as { field: string; message: string }[] | undefined) ?? [];
          const reason = fields.some((f) => f.field === 'templateName')
            ? `no template named "${String(body.templateName)}" for this pipeline (${deal.pipeline ?? 'default'}): choose one in the connection's settings`
            : `the deal does not make a valid account: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ') || error.message}`;
          return record('failed', null, reason, deal.company?.id);
        }
        if (error instanceof RelayError && error.code === 'conflict') return record('failed', null, `${error.message}`, deal.company?.id);
        throw error;
      }
    },

    /**
     * The safety net: deals in a Closed Won stage modified since the connection's cursor, page by
     * page, each started as its deal's workflow (which makes nothing twice); then the cursor moves.
     */
    async searchHubSpotDeals(input: { orgId: string; connectionId: string }): Promise<{ found: number; started: number; cursor: string | null }> {
      const { row, settings, mapping, crm } = await hubspotFor(input.orgId, input.connectionId);
      if (row.status === 'paused' || row.status === 'disconnected') return { found: 0, started: 0, cursor: row.cursor };
      const context = Context.current();
      let after: string | undefined;
      let cursor = row.cursor;
      let found = 0;
      try {
        for (let page = 0; page < MAX_SEARCH_PAGES; page++) {
          const result = await crm.searchClosedWonDeals({ stageIds: settings.closedWonStageIds, modifiedAfterMs: row.cursor, after, limit: 100, mapping });
          for (const deal of result.deals) {
            await startDealImport({ temporal: context.client, taskQueue: context.info.taskQueue }, {
              orgId: input.orgId, connectionId: input.connectionId, portalId: row.externalAccountId, dealId: deal.id,
            });
            found += 1;
            if (!cursor || BigInt(deal.modifiedAtMs || '0') > BigInt(cursor)) cursor = deal.modifiedAtMs;
          }
          context.heartbeat({ page, found });
          if (!result.next) break;
          after = result.next;
        }
      } catch (error) {
        throw await hubspotFailure(error, input.orgId, input.connectionId);
      }
      if (cursor && cursor !== row.cursor) await advanceConnectionCursor(deps.db, input.orgId, input.connectionId, cursor);
      else await setConnectionState(deps.db, input.orgId, input.connectionId, { lastRunAt: new Date() });
      if (row.status === 'needs_reauth') await setConnectionState(deps.db, input.orgId, input.connectionId, { status: 'active', lastError: null });
      return { found, started: found, cursor };
    },

    /** How many Closed Won deals closed on or after `since` (a backfill's preview). */
    async countHubSpotBackfill(input: { orgId: string; connectionId: string; sinceMs: string }): Promise<number> {
      const { settings, crm } = await hubspotFor(input.orgId, input.connectionId);
      try {
        return (await crm.searchClosedWonDeals({ stageIds: settings.closedWonStageIds, modifiedAfterMs: null, closedSinceMs: input.sinceMs, limit: 1 })).total;
      } catch (error) {
        throw await hubspotFailure(error, input.orgId, input.connectionId);
      }
    },

    /**
     * One page of a backfill: up to 100 Closed Won deals closed since `sinceMs` (one search), read in
     * bulk with their companies, contacts and owners (a handful of calls: see readDealsInBulk), each
     * handed to its deal workflow with what was read, so the import calls HubSpot no more; deals
     * already imported are neither read nor started again. The page then waits until all but 10 of its
     * deals' runs have ended (the last page: all of them; for most of the two minutes it has), so a backfill keeps about a page of
     * imports in flight and thousands of deals never flood the task queue ahead of webhooks and other
     * organisations' work, while a run waiting out a retry does not hold the next page up.
     *
     * What each step read is heartbeated: after a 429 (retried by the workflow after Retry-After) the
     * next attempt goes on from the step that was refused, not from the search. Answers where the next
     * page starts; the workflow keeps it, so a retried page starts the same deals again, harmlessly.
     */
    async backfillHubSpotPage(input: { orgId: string; connectionId: string; sinceMs: string; after: string | null }): Promise<{ started: number; next: string | null; total: number }> {
      const attemptStarted = Date.now();
      const context = Context.current();
      const { row, settings, mapping, crm } = await hubspotFor(input.orgId, input.connectionId);
      const resumed = backfillPageProgressOf(context.info.heartbeatDetails, input.after);
      const beat = (progress: BackfillPageProgress) => context.heartbeat(heartbeatable(progress));
      let progress: BackfillPageProgress;
      let deals: (HubSpotDeal | null)[] = [];
      try {
        progress = resumed ?? {
          after: input.after,
          page: await crm.searchClosedWonDeals({ stageIds: settings.closedWonStageIds, modifiedAfterMs: null, closedSinceMs: input.sinceMs, after: input.after ?? undefined, limit: 100, mapping }),
          reads: {}, started: false,
        };
        beat(progress);
        if (!progress.started) {
          const imported = await alreadyImported(input.connectionId, progress.page.deals.map((d) => d.id));
          const toImport = progress.page.deals.filter((d) => !imported.has(d.id));
          const read = await crm.readDealsInBulk(toImport, mapping, progress.reads, () => beat(progress));
          deals = progress.page.deals.map((d) => (imported.has(d.id) ? null : read[toImport.indexOf(d)] ?? null));
          progress.importing = toImport.map((d) => d.id);
        }
      } catch (error) {
        throw await hubspotFailure(error, input.orgId, input.connectionId);
      }
      const importing = progress.importing ?? [];
      if (!progress.started) {
        const prefetched = new Map(deals.filter((d): d is HubSpotDeal => !!d).map((d) => [d.id, d]));
        // A deal the bulk read could not complete (a record deleted meanwhile) is read the single-deal way.
        await Promise.all(importing.map((dealId) => startDealImport({ temporal: context.client, taskQueue: context.info.taskQueue }, {
          orgId: input.orgId, connectionId: input.connectionId, portalId: row.externalAccountId, dealId,
          ...(prefetched.has(dealId) ? { prefetched: prefetched.get(dealId)! } : {}),
        })));
        // Started: a retry waits for these runs instead of reading and starting them again.
        progress = { ...progress, reads: {}, started: true };
        beat(progress);
      }
      const waiting = progress;
      // The last page waits for all of its runs: a completed backfill is one whose deals were imported.
      const stragglers = progress.page.next ? BACKFILL_STRAGGLERS : 0;
      await untilRunsEnd(context, importing.map((dealId) => hubspotDealWorkflowId(row.externalAccountId, dealId, input.orgId)), stragglers, attemptStarted, () => beat(waiting));
      return { started: progress.page.deals.length, next: progress.page.next, total: progress.page.total };
    },
  };
}

export type ConnectorActivities = ReturnType<typeof createConnectorActivities>;
