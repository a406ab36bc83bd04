import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ConnectorActivities } from '../activities/connectors.ts';
import type { HubSpotDealInput, HubSpotDealResult } from './connectorDefinitions.ts';

// Rate limits and outages are retried (a 429 after HubSpot's Retry-After); a refused token, a
// missing record or a deal that cannot be mapped is final and comes back as a failed outcome. A
// day of retries at most: past that, the record says why and the polling sync tries again later.
const { importHubSpotDeal } = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2 },
  scheduleToCloseTimeout: '1 day',
});

/**
 * One HubSpot deal that reached Closed Won, from a webhook or the polling sync: its ID is the
 * portal's and the deal's (`hubspot-deal-<portal>-<deal>`), so concurrent deliveries share a run.
 */
export async function hubspotDeal(input: HubSpotDealInput): Promise<HubSpotDealResult> {
  try {
    return await importHubSpotDeal(input);
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : error;
    const reason = cause instanceof ApplicationFailure ? cause.message : cause instanceof Error ? cause.message : String(cause);
    return { outcome: 'failed', accountId: null, reason };
  }
}
