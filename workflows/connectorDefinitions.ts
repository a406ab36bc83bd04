// What the API, the schedules and the activities share with the connector workflows
// (workflows/hubspotDeal.ts, workflows/connectorSync.ts), without loading them.
import { defineQuery } from '@temporalio/workflow';
import type { ConnectorProvider, HubSpotDeal, SyncOutcome } from '../domain/connectors.ts';

/**
 * One run per portal and deal (and organisation: two organisations may connect one portal):
 * redelivered or concurrent webhooks, and the polling search, start nothing twice.
 */
export const hubspotDealWorkflowId = (portalId: string, dealId: string, orgId: string): string => `hubspot-deal-${portalId}-${dealId}-${orgId}`;

/** The connection's safety-net sync: a Temporal Schedule of this ID, and runs named after it. */
export const connectorScheduleId = (connectionId: string): string => `connector-${connectionId}`;

export interface HubSpotDealInput {
  orgId: string; connectionId: string; portalId: string; dealId: string;
  /**
   * The deal as a backfill page already read it in bulk (with its company, contacts and owner): the
   * import maps it without calling HubSpot again. Absent (a webhook, the polling sync, a retry, runs
   * started before backfills read in bulk): the import reads the deal itself. Data only, so the deal
   * workflow's code, and the histories it replays, are unchanged.
   */
  prefetched?: HubSpotDeal;
}

export interface HubSpotDealResult { outcome: SyncOutcome; accountId: string | null; reason: string | null }

export type HubSpotDealWorkflow = (input: HubSpotDealInput) => Promise<HubSpotDealResult>;

/**
 * A connection's sync. `provider` picks the provider's activity; runs started before Notion was
 * added (and their recorded histories) name none, and are HubSpot's.
 */
export interface ConnectorSyncInput { orgId: string; connectionId: string; provider?: ConnectorProvider }

export interface ConnectorSyncResult { found: number; started: number; cursor: string | null }

export type ConnectorSyncWorkflow = (input: ConnectorSyncInput) => Promise<ConnectorSyncResult>;

/** One backfill per connection and start date: asking twice finds the same run. */
export const hubspotBackfillWorkflowId = (connectionId: string, sinceDay: string): string => `connector-${connectionId}-backfill-${sinceDay}`;

export interface HubSpotBackfillInput { orgId: string; connectionId: string; sinceMs: string }

export interface HubSpotBackfillProgress { status: 'running' | 'completed'; started: number; total: number | null }

export const backfillProgressQuery = defineQuery<HubSpotBackfillProgress>('progress');

export type HubSpotBackfillWorkflow = (input: HubSpotBackfillInput) => Promise<HubSpotBackfillProgress>;
