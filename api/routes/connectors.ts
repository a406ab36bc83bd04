import { Hono } from 'hono';
import {
  connectHubSpot, listConnectionViews, receiveHubSpotWebhook, retryHubSpotDeal, syncHubSpotNow,
} from '../../services/connectors/hubspot.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { connectionListResponse, connectionResponse } from '../responses.ts';
import { jsonBody } from '../validation.ts';

/** `/api/connectors`: connect, list (never a secret), sync now, retry one record. */
export function connectorRoutes(deps: AppDeps) {
  return new Hono<ApiEnv>()
    .get('/', async (c) => c.json(connectionListResponse.parse({ items: await listConnectionViews(deps.db, c.get('orgId')) })))
    .put('/hubspot', async (c) => c.json(connectionResponse.parse(await connectHubSpot(deps, c.get('orgId'), await jsonBody(c.req)))))
    .post('/hubspot/sync', async (c) => c.json(await syncHubSpotNow(deps, c.get('orgId')), 202))
    .post('/hubspot/deals/:dealId/retry', async (c) => c.json(await retryHubSpotDeal(deps, c.get('orgId'), c.req.param('dealId')), 202));
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
