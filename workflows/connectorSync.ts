import { proxyActivities } from '@temporalio/workflow';
import type { ConnectorActivities } from '../activities/connectors.ts';
import type { ConnectorSyncInput, ConnectorSyncResult } from './connectorDefinitions.ts';

// The search heartbeats per page; a few attempts, then the schedule's next run tries again.
const { searchHubSpotDeals } = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/**
 * A connection's safety-net sync, started by its Temporal Schedule (`connector-<connectionId>`) or
 * "Sync now": finds the Closed Won deals modified since the stored cursor (a webhook HubSpot never
 * delivered, a backlog) and starts each deal's own workflow, which imports it once.
 */
export async function connectorSync(input: ConnectorSyncInput): Promise<ConnectorSyncResult> {
  return searchHubSpotDeals(input);
}
