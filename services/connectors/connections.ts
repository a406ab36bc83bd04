import { ScheduleNotFoundError, ServiceError } from '@temporalio/client';
import { markConnectionDisconnected } from '../../db/repositories/connectors.ts';
import { getConnection, setConnectionState, type ConnectionRow } from '../../db/repositories/connectors.ts';
import { CONNECTOR_PROVIDERS, type ConnectorProvider } from '../../domain/connectors.ts';
import { PROVIDER_LABELS } from '../../domain/crmLinks.ts';
import { connectorScheduleId } from '../../workflows/connectorDefinitions.ts';
import { RelayError, workflowEngineUnavailable } from '../errors.ts';
import { connectHubSpot, connectionView, ensureConnectorSchedule, retryHubSpotDeal, type ConnectorDeps } from './hubspot.ts';
import { HUBSPOT_SECRETS_PURPOSE } from './hubspotAuth.ts';

// What an admin does with a connection once it exists (issue 11): pause and resume its syncing,
// disconnect it, reconnect it, retry one record. The connection's status is what every sync and
// webhook reads (a paused or disconnected one starts nothing); its Temporal Schedule
// (`connector-<id>`, pausable in the Temporal UI too) follows, so a paused connection does not even
// wake up to find it has nothing to do.

/** `:provider` in a path: one Relay connects, or a 400 naming what was given. */
export function connectorProviderOf(value: string): ConnectorProvider {
  if ((CONNECTOR_PROVIDERS as readonly string[]).includes(value)) return value as ConnectorProvider;
  const message = `must be one of ${CONNECTOR_PROVIDERS.join(', ')}`;
  throw new RelayError('validation', `"${value.slice(0, 40)}" is not a connector: provider ${message}`, { fields: [{ field: 'provider', message }] });
}

/** The organisation's connection to the provider; a disconnected one (or none) is not connected: 404. */
async function connectedRow(deps: ConnectorDeps, orgId: string, provider: ConnectorProvider): Promise<ConnectionRow> {
  const row = await getConnection(deps.db, orgId, provider);
  if (!row || row.status === 'disconnected') throw new RelayError('not_found', `${PROVIDER_LABELS[provider]} is not connected`);
  return row;
}

/** A schedule call, bounded; Temporal not answering is a 503 (and the database was not touched yet). */
async function onTemporal<T>(deps: ConnectorDeps, work: () => Promise<T>): Promise<T> {
  try {
    return await deps.temporal.withDeadline(Date.now() + 5_000, work);
  } catch (error) {
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
}

const scheduleOf = (deps: ConnectorDeps, row: ConnectionRow) => deps.temporal.schedule.getHandle(connectorScheduleId(row.id));

/** Unpauses the connection's schedule, making it again from the settings' interval if it went missing. */
async function runSchedule(deps: ConnectorDeps, row: ConnectionRow, note: string): Promise<void> {
  try {
    await scheduleOf(deps, row).unpause(note);
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
    // Both providers keep `intervalMinutes` in their settings.
    const interval = (row.settings as { intervalMinutes?: unknown }).intervalMinutes;
    if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1) {
      throw new RelayError('conflict', `the ${PROVIDER_LABELS[row.provider]} connection has no sync schedule: connect it again`);
    }
    await ensureConnectorSchedule(deps, row, interval);
  }
}

/**
 * `POST /api/connectors/:provider/pause`: no polling and no webhook imports until resumed (the
 * schedule first, so a Temporal outage changes nothing). Pausing a paused connection is a no-op.
 */
export async function pauseConnection(deps: ConnectorDeps, orgId: string, providerName: string) {
  const provider = connectorProviderOf(providerName);
  const row = await connectedRow(deps, orgId, provider);
  await onTemporal(deps, async () => {
    try {
      await scheduleOf(deps, row).pause('Paused in Relay (Settings → Connectors)');
    } catch (error) {
      // No schedule, nothing to pause: the status alone keeps the connection still.
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  });
  if (row.status !== 'paused') await setConnectionState(deps.db, orgId, row.id, { status: 'paused' });
  return connectionView(deps.db, { ...row, status: 'paused' });
}

/**
 * `POST /api/connectors/:provider/resume`: a paused connection syncs again. One that needs
 * re-authorisation is refused (409): only a new token, through connecting again, makes it work.
 */
export async function resumeConnection(deps: ConnectorDeps, orgId: string, providerName: string) {
  const provider = connectorProviderOf(providerName);
  const row = await connectedRow(deps, orgId, provider);
  if (row.status === 'needs_reauth') {
    throw new RelayError('conflict', `${PROVIDER_LABELS[provider]} needs re-authorisation: connect it again with a valid token`);
  }
  await onTemporal(deps, () => runSchedule(deps, row, 'Resumed in Relay (Settings → Connectors)'));
  if (row.status !== 'active') await setConnectionState(deps.db, orgId, row.id, { status: 'active' });
  return connectionView(deps.db, { ...row, status: 'active' });
}

/**
 * What a disconnected connection's secrets are replaced with: sealed like any other (under the
 * provider's purpose, `connector:<provider>`), in the provider's shape, holding empty strings. Code
 * that still opens them (a HubSpot webhook for the portal checks its signature against every
 * connection of the portal) gets no credential and no error; and whatever signature matches an
 * empty secret, a disconnected connection starts nothing.
 */
function emptySecrets(deps: ConnectorDeps, provider: ConnectorProvider): string {
  if (!deps.secretBox) throw new RelayError('unavailable', 'connectors need RELAY_SECRET to encrypt their tokens; it is not configured');
  const empty = provider === 'hubspot' ? { accessToken: '', clientSecret: '' } : { token: '' };
  return deps.secretBox.seal(JSON.stringify(empty), provider === 'hubspot' ? HUBSPOT_SECRETS_PURPOSE : `connector:${provider}`);
}

/**
 * `DELETE /api/connectors/:provider`: the schedule deleted, the status disconnected and the tokens
 * wiped; what it imported (accounts, records, their links) stays. Connecting again starts afresh
 * from the same cursor.
 */
export async function disconnectConnection(deps: ConnectorDeps, orgId: string, providerName: string) {
  const provider = connectorProviderOf(providerName);
  const row = await connectedRow(deps, orgId, provider);
  const wiped = emptySecrets(deps, provider);
  await onTemporal(deps, async () => {
    try {
      await scheduleOf(deps, row).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  });
  await markConnectionDisconnected(deps.db, orgId, row.id, wiped);
  return connectionView(deps.db, { ...row, status: 'disconnected', lastError: null });
}

/**
 * Connecting from the dashboard (first time or again): `connectHubSpot`, then the schedule running
 * whatever state it was left in (a reconnect makes the connection active, so a schedule paused
 * earlier must not stay paused behind it).
 */
export async function connectHubSpotFromDashboard(deps: ConnectorDeps, orgId: string, body: unknown) {
  const view = await connectHubSpot(deps, orgId, body);
  const row = await getConnection(deps.db, orgId, 'hubspot');
  if (row) await onTemporal(deps, () => runSchedule(deps, row, 'Connected in Relay (Settings → Connectors)'));
  return view;
}

/**
 * A failed or skipped record imported again, from the connectors page or its account's page. Only
 * HubSpot deals can be retried from here, and not through a disconnected connection (no token).
 */
export async function retryConnectorRecord(deps: ConnectorDeps, orgId: string, provider: ConnectorProvider, externalId: string) {
  const row = await connectedRow(deps, orgId, provider);
  if (row.provider !== 'hubspot') throw new RelayError('conflict', `${PROVIDER_LABELS[provider]} records are retried by the next sync`);
  try {
    return await deps.temporal.withDeadline(Date.now() + 5_000, () => retryHubSpotDeal(deps, orgId, externalId));
  } catch (error) {
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
}

/**
 * "Sync now" from the dashboard, for either provider: the connection's schedule triggered (one sync
 * at a time: overlap SKIP). A paused connection is resumed first, not synced behind its pause.
 */
export async function syncConnectionNow(deps: ConnectorDeps, orgId: string, provider: ConnectorProvider): Promise<{ id: string }> {
  const row = await connectedRow(deps, orgId, provider);
  if (row.status === 'paused') throw new RelayError('conflict', `${PROVIDER_LABELS[provider]} is paused: resume it to sync`);
  await onTemporal(deps, async () => {
    try {
      await scheduleOf(deps, row).trigger();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
      await runSchedule(deps, row, 'Made again by "Sync now" in Relay');
      await scheduleOf(deps, row).trigger();
    }
  });
  return { id: connectorScheduleId(row.id) };
}
