import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  ScheduleAlreadyRunning, ScheduleOverlapPolicy, ServiceError, type Client,
} from '@temporalio/client';
import type { Database } from '../../db/client.ts';
import {
  connectorSummary, findConnectionsByExternalAccount, getConnection, listConnections, setConnectionSettings, upsertConnection, type ConnectionRow,
} from '../../db/repositories/connectors.ts';
import { z } from 'zod';
import {
  accountFromDeal, DealNotMappable, hubspotConnectionSchema, hubspotMappingOf, hubspotMappingSchema, type HubSpotSecrets, type HubSpotSettings,
} from '../../domain/connectors.ts';
import { HubSpotCallFailed } from '../../integrations/hubspot/hubspotCrm.ts';
import { fieldErrors } from '../../domain/accountInput.ts';
import { log } from '../../platform/log.ts';
import type { SecretBox } from '../../platform/secretBox.ts';
import {
  connectorScheduleId, hubspotBackfillWorkflowId, hubspotDealWorkflowId, type ConnectorSyncWorkflow, type HubSpotBackfillWorkflow, type HubSpotDealWorkflow,
} from '../../workflows/connectorDefinitions.ts';
import { RelayError, workflowEngineUnavailable } from '../errors.ts';
import { HUBSPOT_SECRETS_PURPOSE, hubspotCrmFor, hubspotSecretsOf } from './hubspotAuth.ts';

export interface ConnectorDeps {
  db: Database; temporal: Client; taskQueue: string; secretBox?: SecretBox | undefined;
  /** HUBSPOT_BASE_URL (tests: the fake): where a backfill's preview asks HubSpot. */
  hubspotBaseUrl?: string | undefined;
}

function box(deps: ConnectorDeps): SecretBox {
  if (!deps.secretBox) throw new RelayError('unavailable', 'connectors need RELAY_SECRET to encrypt their tokens; it is not configured');
  return deps.secretBox;
}

export function hubspotSettingsOf(row: ConnectionRow): HubSpotSettings {
  return row.settings as unknown as HubSpotSettings;
}

/** A connection as the API and the page show it: never a token or a secret. */
export async function connectionView(db: Database, row: ConnectionRow) {
  const summary = await connectorSummary(db, row.orgId, row.id);
  return {
    id: row.id, provider: row.provider, status: row.status, externalAccountId: row.externalAccountId, settings: row.settings,
    cursor: row.cursor, lastRunAt: row.lastRunAt, lastError: row.lastError, counts: summary.counts, recentFailures: summary.failures,
    scheduleId: connectorScheduleId(row.id),
  };
}

export async function listConnectionViews(db: Database, orgId: string) {
  const rows = await listConnections(db, orgId);
  return Promise.all(rows.map((row) => connectionView(db, row)));
}

/**
 * The connection's safety-net sync as a Temporal Schedule (`connector-<connectionId>`), every
 * `intervalMinutes`; overlap SKIP (a sync still paging through deals is not doubled), catch-up
 * window one interval (a missed sync is not replayed several times: the next one catches up).
 */
export async function ensureConnectorSchedule(deps: ConnectorDeps, row: ConnectionRow, intervalMinutes: number): Promise<void> {
  const scheduleId = connectorScheduleId(row.id);
  const spec = { intervals: [{ every: `${intervalMinutes} minutes` }] };
  const action = {
    type: 'startWorkflow' as const, workflowType: 'connectorSync', args: [{ orgId: row.orgId, connectionId: row.id, provider: row.provider }] as Parameters<ConnectorSyncWorkflow>,
    workflowId: scheduleId, taskQueue: deps.taskQueue, workflowExecutionTimeout: '1 hour',
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${intervalMinutes} minutes` };
  try {
    await deps.temporal.schedule.create<ConnectorSyncWorkflow>({ scheduleId, spec, action, policies, memo: { orgId: row.orgId, provider: row.provider } });
    return;
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  // Paused exactly when the connection is: a reconnect (status active again) resumes syncing.
  await deps.temporal.schedule.getHandle(scheduleId).update<ConnectorSyncWorkflow>((previous) => ({
    spec, action, policies, state: { paused: row.status === 'paused', ...(previous.state.note ? { note: previous.state.note } : {}) },
  }));
}

/** `PUT /api/connectors/hubspot`: stores the connection (secrets sealed) and its polling schedule. */
export async function connectHubSpot(deps: ConnectorDeps, orgId: string, body: unknown) {
  const parsed = hubspotConnectionSchema.safeParse(body);
  if (!parsed.success) throw new RelayError('validation', 'the HubSpot connection has invalid fields', { fields: fieldErrors(parsed.error) });
  const { accessToken, clientSecret, portalId, ...rest } = parsed.data;
  return storeHubSpotConnection(deps, orgId, { portalId, ...rest, auth: 'private_app' }, { accessToken, clientSecret });
}

/** Stores a HubSpot connection (a private app's or an OAuth install's), its secrets sealed, and runs its polling schedule. */
export async function storeHubSpotConnection(deps: ConnectorDeps, orgId: string, settings: HubSpotSettings, secrets: HubSpotSecrets) {
  const row = await upsertConnection(deps.db, {
    orgId, provider: 'hubspot', externalAccountId: settings.portalId, settings: settings as unknown as Record<string, unknown>,
    sealedSecrets: box(deps).seal(JSON.stringify(secrets), HUBSPOT_SECRETS_PURPOSE),
  });
  try {
    await deps.temporal.withDeadline(Date.now() + 5_000, () => ensureConnectorSchedule(deps, row, settings.intervalMinutes));
  } catch (error) {
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
  return connectionView(deps.db, row);
}

/**
 * Starts the deal's workflow, or finds the one running (the ID is the portal's and the deal's, so
 * concurrent webhooks and syncs share one run). A deal whose run has finished gets a new run, which
 * finds the deal's record and ends at once if it already became an account: the record, not the
 * run, is what makes an import happen once, so a deal skipped or failed earlier can still come in.
 */
export async function startDealImport(deps: Pick<ConnectorDeps, 'temporal' | 'taskQueue'>, input: Parameters<HubSpotDealWorkflow>[0], opts: { retry?: boolean } = {}): Promise<void> {
  await deps.temporal.workflow.start<HubSpotDealWorkflow>('hubspotDeal', {
    workflowId: hubspotDealWorkflowId(input.portalId, input.dealId, input.orgId), taskQueue: deps.taskQueue, args: [input],
    // A person's Retry replaces a run that is still finishing its failed attempt (it would otherwise
    // attach to it and import nothing); the import is idempotent by its record and the domain.
    workflowIdConflictPolicy: opts.retry ? 'TERMINATE_EXISTING' : 'USE_EXISTING', workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}


/** `POST /api/connectors/hubspot/deals/:dealId/retry`: a failed or skipped deal, imported again. */
export async function retryHubSpotDeal(deps: ConnectorDeps, orgId: string, dealId: string): Promise<{ id: string }> {
  const row = await connectedHubSpot(deps, orgId);
  if (!/^\d{1,30}$/.test(dealId)) throw new RelayError('validation', 'a HubSpot deal ID is a number', { fields: [{ field: 'dealId', message: 'must be a number' }] });
  await startDealImport(deps, { orgId, connectionId: row.id, portalId: row.externalAccountId, dealId }, { retry: true });
  return { id: hubspotDealWorkflowId(row.externalAccountId, dealId, orgId) };
}

// ---- webhooks ----------------------------------------------------------------------------------------

/** HubSpot's window for a signed request (X-HubSpot-Request-Timestamp). */
const SIGNATURE_MAX_AGE_MS = 5 * 60_000;

/**
 * HubSpot's v3 signature: base64 HMAC-SHA256, keyed by the app's client secret, over method, the
 * full URI, the raw body and the timestamp, compared in constant time (the SDK's helper uses ===).
 */
export function hubspotSignatureValid(opts: { clientSecret: string; method: string; uri: string; body: string; timestamp: string; signature: string }): boolean {
  // HubSpot decodes these escapes in the URI (and only these) before it signs.
  const uri = opts.uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => decodeURIComponent(m));
  const expected = createHmac('sha256', opts.clientSecret).update(`${opts.method}${uri}${opts.body}${opts.timestamp}`, 'utf8').digest();
  const given = Buffer.from(opts.signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface WebhookEvent { portalId?: unknown; objectId?: unknown; subscriptionType?: unknown; propertyName?: unknown; propertyValue?: unknown }

/**
 * `POST /webhooks/hubspot`: checks the signature against the connection of the portal the events
 * name (any organisation's; the signature says whose), then starts one workflow per deal that moved
 * into a Closed Won stage, and answers. A bad or stale signature changes nothing: 401.
 */
export async function receiveHubSpotWebhook(deps: ConnectorDeps, request: { method: string; uri: string; body: string; signature: string | undefined; timestamp: string | undefined }, now = Date.now()) {
  const unauthorized = (why: string) => {
    log.warn('hubspot webhook refused', { reason: why });
    return new RelayError('unauthorized', `webhook refused: ${why}`);
  };
  if (!request.signature || !request.timestamp) throw unauthorized('the X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp headers are required');
  const sentAt = Number(request.timestamp);
  if (!Number.isFinite(sentAt) || Math.abs(now - sentAt) > SIGNATURE_MAX_AGE_MS) throw unauthorized('the request timestamp is more than 5 minutes off');
  let events: WebhookEvent[];
  try {
    const parsed = JSON.parse(request.body) as unknown;
    events = Array.isArray(parsed) ? parsed as WebhookEvent[] : [];
  } catch {
    throw unauthorized('the body is not HubSpot\'s JSON');
  }
  const portalIds = [...new Set(events.map((e) => String(e.portalId ?? '')).filter(Boolean))];
  if (portalIds.length !== 1) throw unauthorized('the events must come from one portal');
  const candidates = await findConnectionsByExternalAccount(deps.db, 'hubspot', portalIds[0]!);
  // A private app's secret is its own; an OAuth app's is shared by every organisation that
  // installed it on this portal, and each of them gets the portal's deals.
  const signed = candidates.filter((row) => hubspotSignatureValid({
    clientSecret: hubspotSecretsOf(box(deps), row).clientSecret, method: request.method, uri: request.uri, body: request.body,
    timestamp: request.timestamp!, signature: request.signature!,
  }));
  if (!signed.length) throw unauthorized('the signature does not match a connected HubSpot app');
  const starts = signed.filter((row) => row.status !== 'paused' && row.status !== 'disconnected').flatMap((connection) => {
    const settings = hubspotSettingsOf(connection);
    return [...new Set(events
      .filter((e) => e.subscriptionType === 'deal.propertyChange' && e.propertyName === 'dealstage' && settings.closedWonStageIds.includes(String(e.propertyValue)))
      .map((e) => String(e.objectId ?? ''))
      .filter((id) => /^\d+$/.test(id)))].map((dealId) => ({ orgId: connection.orgId, connectionId: connection.id, portalId: connection.externalAccountId, dealId }));
  });
  if (!starts.length) return { received: events.length, deals: 0 };
  try {
    await deps.temporal.withDeadline(Date.now() + 3_000, () => Promise.all(starts.map((input) => startDealImport(deps, input))));
    return { received: events.length, deals: new Set(starts.map((s) => s.dealId)).size };
  } catch (error) {
    // HubSpot redelivers what was not answered 2xx: a 503 now is a retry later, nothing lost.
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
}

// ---- backfill ---------------------------------------------------------------------------------------

const backfillBodySchema = z.strictObject({
  since: z.iso.date({ error: 'since must be a date (YYYY-MM-DD)' }).refine((d) => d >= '2000-01-01' && d <= new Date().toISOString().slice(0, 10), 'since must be between 2000-01-01 and today'),
});

async function connectedHubSpot(deps: ConnectorDeps, orgId: string) {
  const row = await getConnection(deps.db, orgId, 'hubspot');
  if (!row || row.status === 'disconnected') throw new RelayError('not_found', 'HubSpot is not connected');
  return row;
}

/** How many Closed Won deals closed since the date: what a backfill would bring in, before it runs. */
export async function previewHubSpotBackfill(deps: ConnectorDeps, orgId: string, body: unknown): Promise<{ since: string; deals: number }> {
  const parsed = backfillBodySchema.safeParse(body);
  if (!parsed.success) throw new RelayError('validation', 'the backfill has invalid fields', { fields: fieldErrors(parsed.error) });
  const row = await connectedHubSpot(deps, orgId);
  try {
    const crm = await hubspotCrmFor({ ...deps, secretBox: box(deps) }, row);
    const page = await crm.searchClosedWonDeals({
      stageIds: hubspotSettingsOf(row).closedWonStageIds, modifiedAfterMs: null, closedSinceMs: String(Date.parse(`${parsed.data.since}T00:00:00Z`)), limit: 1,
    });
    return { since: parsed.data.since, deals: page.total };
  } catch (error) {
    if (error instanceof HubSpotCallFailed && error.kind === 'unauthorized') throw new RelayError('conflict', `${error.message}: reconnect HubSpot first`);
    if (error instanceof HubSpotCallFailed) throw new RelayError('unavailable', error.message);
    throw error;
  }
}

/** Starts the backfill (one per connection and date: asking again finds the same run). */
export async function startHubSpotBackfill(deps: ConnectorDeps, orgId: string, body: unknown): Promise<{ id: string }> {
  const parsed = backfillBodySchema.safeParse(body);
  if (!parsed.success) throw new RelayError('validation', 'the backfill has invalid fields', { fields: fieldErrors(parsed.error) });
  const row = await connectedHubSpot(deps, orgId);
  const id = hubspotBackfillWorkflowId(row.id, parsed.data.since);
  try {
    await deps.temporal.workflow.start<HubSpotBackfillWorkflow>('hubspotBackfill', {
      workflowId: id, taskQueue: deps.taskQueue, workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ orgId, connectionId: row.id, sinceMs: String(Date.parse(`${parsed.data.since}T00:00:00Z`)) }],
    });
  } catch (error) {
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
  return { id };
}

/**
 * "Test with a deal": the account a deal would become (the body the create path would get), or why
 * it could not become one, without creating anything.
 */
export async function previewHubSpotDeal(deps: ConnectorDeps, orgId: string, dealId: string): Promise<{ dealId: string; account: Record<string, unknown> | null; problem: { field: string; message: string } | null }> {
  if (!/^\d{1,30}$/.test(dealId)) throw new RelayError('validation', 'a HubSpot deal ID is a number', { fields: [{ field: 'dealId', message: 'must be a number' }] });
  const row = await connectedHubSpot(deps, orgId);
  const settings = hubspotSettingsOf(row);
  let deal;
  try {
    const crm = await hubspotCrmFor({ ...deps, secretBox: box(deps) }, row);
    deal = await crm.fetchDeal(dealId, hubspotMappingOf(settings.mapping));
  } catch (error) {
    if (error instanceof HubSpotCallFailed && error.kind === 'not_found') throw new RelayError('not_found', `HubSpot has no deal ${dealId}`);
    if (error instanceof HubSpotCallFailed && error.kind === 'unauthorized') throw new RelayError('conflict', `${error.message}: reconnect HubSpot first`);
    if (error instanceof HubSpotCallFailed) throw new RelayError('unavailable', error.message);
    throw error;
  }
  if (!deal.stage || !settings.closedWonStageIds.includes(deal.stage)) {
    return { dealId, account: null, problem: { field: 'dealstage', message: `the deal is in stage "${deal.stage ?? 'none'}", not a Closed Won stage (${settings.closedWonStageIds.join(', ')}): it would be skipped` } };
  }
  try {
    return { dealId, account: accountFromDeal(deal, settings), problem: null };
  } catch (error) {
    if (error instanceof DealNotMappable) return { dealId, account: null, problem: { field: error.field, message: error.message } };
    throw error;
  }
}

// ---- property mapping -------------------------------------------------------------------------------

const mappingBodySchema = z.strictObject({ mapping: hubspotMappingSchema });

/**
 * `PUT /api/connectors/hubspot/mapping` and the page's mapping form: which HubSpot property feeds
 * each account field, without the token (an OAuth connection has none to give). Empty or left-out
 * fields read HubSpot's default; the next deal read (webhook, sync, preview) uses it.
 */
export async function updateHubSpotMapping(deps: ConnectorDeps, orgId: string, body: unknown) {
  const parsed = mappingBodySchema.safeParse(body);
  if (!parsed.success) throw new RelayError('validation', 'the HubSpot mapping has invalid fields', { fields: fieldErrors(parsed.error) });
  const row = await connectedHubSpot(deps, orgId);
  const mapping = Object.fromEntries(Object.entries(parsed.data.mapping).filter(([, v]) => v));
  const settings = { ...row.settings, mapping };
  await setConnectionSettings(deps.db, orgId, row.id, settings);
  return connectionView(deps.db, { ...row, settings });
}
