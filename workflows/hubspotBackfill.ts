import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { ConnectorActivities } from '../activities/connectors.ts';
import { backfillProgressQuery, type HubSpotBackfillInput, type HubSpotBackfillProgress } from './connectorDefinitions.ts';

// A page is a search and a few bulk reads for up to 100 deals, their workflow starts, and a wait
// (up to 90 s) for most of those runs to end. HubSpot's rate limits come back as retries after its
// Retry-After (the activity sets nextRetryDelay; its heartbeat keeps what it had read); no attempt
// limit within the hour.
const { backfillHubSpotPage } = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  scheduleToCloseTimeout: '1 hour',
});

/**
 * A connection's backfill: every deal in a Closed Won stage that closed since the chosen date,
 * page by page, each handed to its own deal workflow (`hubspot-deal-<portal>-<deal>-<org>`) with the
 * deal already read, which creates its account once. Progress is the `progress` query; one backfill per connection and date.
 */
export async function hubspotBackfill(input: HubSpotBackfillInput): Promise<HubSpotBackfillProgress> {
  const progress: HubSpotBackfillProgress = { status: 'running', started: 0, total: null };
  setHandler(backfillProgressQuery, () => progress);
  let after: string | null = null;
  do {
    const page: { started: number; next: string | null; total: number } = await backfillHubSpotPage({ orgId: input.orgId, connectionId: input.connectionId, sinceMs: input.sinceMs, after });
    progress.started += page.started;
    progress.total = page.total;
    after = page.next;
  } while (after);
  progress.status = 'completed';
  return progress;
}
