import { Hono } from 'hono';
import {
  connectHubSpot, listConnectionViews, previewHubSpotBackfill, previewHubSpotDeal, receiveHubSpotWebhook, retryHubSpotDeal, startHubSpotBackfill,
  updateHubSpotMapping,
} from '../../services/connectors/hubspot.ts';
import { connectNotion } from '../../services/connectors/notion.ts';
import { disconnectConnection, pauseConnection, resumeConnection, syncConnectionNow } from '../../services/connectors/connections.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { connectionListResponse, connectionResponse } from '../responses.ts';
import { jsonBody } from '../validation.ts';

/** `/api/connectors`: connect, list (never a secret), sync now, retry one record. */
export function connectorRoutes(deps: AppDeps) {
  return new Hono<ApiEnv>()
    .get('/', async (c) => c.json(connectionListResponse.parse({ items: await listConnectionViews(deps.db, c.get('orgId')) })))
    .put('/hubspot', async (c) => c.json(connectionResponse.parse(await connectHubSpot(deps, c.get('orgId'), await jsonBody(c.req)))))
    // The property mapping alone (no token needed: an OAuth connection has none to give).
    .put('/hubspot/mapping', async (c) => c.json(connectionResponse.parse(await updateHubSpotMapping(deps, c.get('orgId'), await jsonBody(c.req)))))
    .post('/hubspot/sync', async (c) => c.json(await syncConnectionNow(deps, c.get('orgId'), 'hubspot'), 202))
    .put('/notion', async (c) => c.json(connectionResponse.parse(await connectNotion(deps, c.get('orgId'), await jsonBody(c.req)))))
    .post('/notion/sync', async (c) => c.json(await syncConnectionNow(deps, c.get('orgId'), 'notion'), 202))
    .post('/hubspot/deals/:dealId/retry', async (c) => c.json(await retryHubSpotDeal(deps, c.get('orgId'), c.req.param('dealId')), 202))
    // Pause / resume syncing, disconnect (tokens wiped, records kept): services/connectors/connections.ts.
    .post('/:provider/pause', async (c) => c.json(connectionResponse.parse(await pauseConnection(deps, c.get('orgId'), c.req.param('provider')))))
    .post('/:provider/resume', async (c) => c.json(connectionResponse.parse(await resumeConnection(deps, c.get('orgId'), c.req.param('provider')))))
    .delete('/:provider', async (c) => c.json(connectionResponse.parse(await disconnectConnection(deps, c.get('orgId'), c.req.param('provider')))))
    .post('/hubspot/backfill/preview', async (c) => c.json(await previewHubSpotBackfill(deps, c.get('orgId'), await jsonBody(c.req))))
    .get('/hubspot/deals/:dealId/preview', async (c) => c.json(await previewHubSpotDeal(deps, c.get('orgId'), c.req.param('dealId'))))
    .post('/hubspot/backfill', async (c) => c.json(await startHubSpotBackfill(deps, c.get('orgId'), await jsonBody(c.req)), 202));
}

/**
 * `POST /webhooks/hubspot`: no API key; HubSpot signs each request with the app's client secret
 * (v3), over the public URL it called. Answers fast: each Closed Won deal becomes a workflow start.
 */
export function webhookRoutes(deps: AppDeps) {
  return new Hono().post('/hubspot', async (c) => {
    const url = new URL(c.req.url);
    const result = await receiveHubSpotWebhook(deps, {
      method: 'POST', uri: `${deps.publicUrl}${url.pathname}${url.search}`, body: await c.req.text(),
      signature: c.req.header('x-hubspot-signature-v3'), timestamp: c.req.header('x-hubspot-request-timestamp'),
    });
    return c.json(result);
  });
}
