// What the API, the schedules and the activities share with the connector workflows
// (workflows/hubspotDeal.ts, workflows/connectorSync.ts), without loading them.
import type { SyncOutcome } from '../domain/connectors.ts';

/** One run per portal and deal: redelivered or concurrent webhooks, and the polling search, start nothing twice. */
export const hubspotDealWorkflowId = (portalId: string, dealId: string): string => `hubspot-deal-${portalId}-${dealId}`;

/** The connection's safety-net sync: a Temporal Schedule of this ID, and runs named after it. */
export const connectorScheduleId = (connectionId: string): string => `connector-${connectionId}`;

export interface HubSpotDealInput { orgId: string; connectionId: string; portalId: string; dealId: string }

export interface HubSpotDealResult { outcome: SyncOutcome; accountId: string | null; reason: string | null }

export type HubSpotDealWorkflow = (input: HubSpotDealInput) => Promise<HubSpotDealResult>;

export interface ConnectorSyncInput { orgId: string; connectionId: string }

export interface ConnectorSyncResult { found: number; started: number; cursor: string | null }

export type ConnectorSyncWorkflow = (input: ConnectorSyncInput) => Promise<ConnectorSyncResult>;
