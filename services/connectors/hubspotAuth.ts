import type { Database } from '../../db/client.ts';
import { getConnectionById, replaceConnectionSecrets, type ConnectionRow } from '../../db/repositories/connectors.ts';
import type { HubSpotSecrets } from '../../domain/connectors.ts';
import { createHubSpotCrm, HubSpotCallFailed, type HubSpotCrm } from '../../integrations/hubspot/hubspotCrm.ts';
import { createHubSpotOAuth } from '../../integrations/hubspot/hubspotOAuth.ts';
import { log } from '../../platform/log.ts';
import type { SecretBox } from '../../platform/secretBox.ts';

// A HubSpot connection's credentials (issue 11): a private app's token, or an OAuth install's
// tokens, refreshed before they expire by whichever call needs them first.

/** What sealed secrets are bound to (secretBox's associated data): a HubSpot connection's secrets open nowhere else. */
export const HUBSPOT_SECRETS_PURPOSE = 'connector:hubspot';

export function hubspotSecretsOf(secretBox: SecretBox, row: ConnectionRow): HubSpotSecrets {
  return JSON.parse(secretBox.open(row.sealedSecrets, HUBSPOT_SECRETS_PURPOSE)) as HubSpotSecrets;
}

/** Refresh this long before HubSpot's expiry (its access tokens live 30 minutes): a call never starts on a token about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export interface HubSpotAccessDeps {
  db: Database;
  secretBox: SecretBox;
  /** HUBSPOT_BASE_URL (tests: the fake). */
  hubspotBaseUrl?: string | undefined;
}

/**
 * The token to call HubSpot with for this connection: a private app's as stored; an OAuth
 * install's refreshed first when it expires within five minutes, the new tokens sealed and saved
 * (only over the secrets it read: a refresh racing another, or a reconnect, keeps theirs). A
 * refresh HubSpot refuses is a `HubSpotCallFailed` of kind `unauthorized`, like a 401.
 */
export async function hubspotAccessToken(deps: HubSpotAccessDeps, row: ConnectionRow, now = Date.now()): Promise<string> {
  const secrets = hubspotSecretsOf(deps.secretBox, row);
  if (!secrets.oauth || secrets.oauth.expiresAtMs - now > REFRESH_MARGIN_MS) return secrets.accessToken;
  const oauth = createHubSpotOAuth({ app: { clientId: secrets.oauth.clientId, clientSecret: secrets.clientSecret }, basePath: deps.hubspotBaseUrl });
  let grant;
  try {
    grant = await oauth.refresh(secrets.oauth.refreshToken, now);
  } catch (error) {
    if (error instanceof HubSpotCallFailed) log.warn('hubspot token refresh failed', { orgId: row.orgId, connectionId: row.id, kind: error.kind, error: error.message });
    throw error;
  }
  log.info('hubspot access token refreshed', { orgId: row.orgId, connectionId: row.id, expiresAt: new Date(grant.expiresAtMs).toISOString() });
  const refreshed: HubSpotSecrets = { ...secrets, accessToken: grant.accessToken, oauth: { ...secrets.oauth, refreshToken: grant.refreshToken, expiresAtMs: grant.expiresAtMs } };
  const saved = await replaceConnectionSecrets(deps.db, row.orgId, row.id, row.sealedSecrets, deps.secretBox.seal(JSON.stringify(refreshed), HUBSPOT_SECRETS_PURPOSE));
  if (!saved) {
    // Another call refreshed first (or the connection changed): use what is stored now when it is fresh.
    const current = await getConnectionById(deps.db, row.orgId, row.id);
    const stored = current && current.status !== 'disconnected' ? hubspotSecretsOf(deps.secretBox, current) : null;
    if (stored?.oauth && stored.oauth.expiresAtMs - now > REFRESH_MARGIN_MS) return stored.accessToken;
  }
  return grant.accessToken;
}

/** The connection's HubSpot client, on a token fresh enough for the calls it is about to make. */
export async function hubspotCrmFor(deps: HubSpotAccessDeps, row: ConnectionRow): Promise<HubSpotCrm> {
  return createHubSpotCrm({ accessToken: await hubspotAccessToken(deps, row), basePath: deps.hubspotBaseUrl });
}
