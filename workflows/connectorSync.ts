import { proxyActivities } from '@temporalio/workflow';
import type { ConnectorActivities } from '../activities/connectors.ts';
import type { NotionConnectorActivities } from '../activities/notionConnector.ts';
import type { ConnectorSyncInput, ConnectorSyncResult } from './connectorDefinitions.ts';

// The search heartbeats per page; a few attempts, then the schedule's next run tries again.
const { searchHubSpotDeals } = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

// Notion's sync heartbeats per row and keeps its cursor per page, so a retry carries on where the
// last attempt stopped. Rate limits come back as retries after Notion's Retry-After (the activity
// sets nextRetryDelay): no attempt limit, only the half hour; past it, the schedule's next run.
const { syncNotionRows } = proxyActivities<NotionConnectorActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
  scheduleToCloseTimeout: '30 minutes',
});

/**
 * A connection's sync, started by its Temporal Schedule (`connector-<connectionId>`) or "Sync now".
 * HubSpot: finds the Closed Won deals modified since the stored cursor (a webhook HubSpot never
 * delivered, a backlog) and starts each deal's own workflow, which imports it once. Notion: reads
 * the rows edited since the cursor and makes each into an account once (activities/notionConnector.ts).
 */
export async function connectorSync(input: ConnectorSyncInput): Promise<ConnectorSyncResult> {
  // No provider: a run from before Notion (its schedule or its recorded history), so HubSpot's.
  if (input.provider === 'notion') return syncNotionRows(input);
  return searchHubSpotDeals(input);
}
