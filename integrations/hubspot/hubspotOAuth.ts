import { Client } from '@hubspot/api-client';
import { HUBSPOT_SCOPES } from '../../domain/connectors.ts';
import { failureOf, HubSpotCallFailed } from './hubspotCrm.ts';

/** An OAuth app's credentials (HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET). */
export interface HubSpotOAuthApp { clientId: string; clientSecret: string }

/** Tokens as HubSpot grants them, with when the access token stops working (epoch ms). */
export interface HubSpotGrant { accessToken: string; refreshToken: string; expiresAtMs: number }

/**
 * HubSpot's token endpoint answers a refused code or refresh token with 400 (BAD_AUTH_CODE,
 * BAD_REFRESH_TOKEN, BAD_CLIENT_SECRET…): a person must install the app again. Typed as
 * `unauthorized`, as a 401 on any other call is, so callers treat both alike.
 */
function grantFailure(error: unknown, what: string): HubSpotCallFailed {
  const failure = failureOf(error, what);
  if (failure.status !== 400) return failure;
  const body = (error as { body?: { status?: unknown; message?: unknown } }).body;
  const why = [body?.status, body?.message].filter((v) => typeof v === 'string').join(': ') || failure.message;
  return new HubSpotCallFailed(`HubSpot refused ${what} (${why})`, 'unauthorized', 400, null);
}

/**
 * The OAuth half of HubSpot through `@hubspot/api-client` (its own retries off, as for CRM calls):
 * the install URL, the code exchange, the refresh, and which portal a token belongs to.
 */
export function createHubSpotOAuth(opts: { app: HubSpotOAuthApp; basePath?: string | undefined }) {
  const client = new Client({ numberOfApiCallRetries: 0, ...(opts.basePath ? { basePath: opts.basePath } : {}) });
  const grantOf = (answer: { accessToken: string; refreshToken: string; expiresIn: number }, now: number): HubSpotGrant => ({
    accessToken: answer.accessToken, refreshToken: answer.refreshToken, expiresAtMs: now + answer.expiresIn * 1000,
  });
  return {
    /** Where the admin's browser goes to install the app (HubSpot's authorize page). */
    authorizeUrl(redirectUri: string, state: string): string {
      return client.oauth.getAuthorizationUrl(opts.app.clientId, redirectUri, HUBSPOT_SCOPES.join(' '), undefined, state);
    },

    async exchangeCode(code: string, redirectUri: string, now = Date.now()): Promise<HubSpotGrant> {
      try {
        return grantOf(await client.oauth.tokensApi.create('authorization_code', code, redirectUri, opts.app.clientId, opts.app.clientSecret), now);
      } catch (error) {
        throw grantFailure(error, 'the authorisation code');
      }
    },

    async refresh(refreshToken: string, now = Date.now()): Promise<HubSpotGrant> {
      try {
        return grantOf(await client.oauth.tokensApi.create('refresh_token', undefined, undefined, opts.app.clientId, opts.app.clientSecret, refreshToken), now);
      } catch (error) {
        throw grantFailure(error, 'to refresh the access token');
      }
    },

    /** The portal (hub ID) a token was granted for, and the scopes it holds. */
    async tokenInfo(accessToken: string): Promise<{ portalId: string; scopes: string[] }> {
      try {
        const info = await client.oauth.accessTokensApi.get(accessToken);
        return { portalId: String(info.hubId), scopes: info.scopes };
      } catch (error) {
        throw failureOf(error, 'reading the access token\'s portal');
      }
    },
  };
}
