import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { getConnection, type ConnectionRow } from '../../db/repositories/connectors.ts';
import { fieldErrors } from '../../domain/accountInput.ts';
import { HUBSPOT_SCOPES, hubspotOAuthSetupSchema, type HubSpotSecrets, type HubSpotSettings } from '../../domain/connectors.ts';
import { HubSpotCallFailed } from '../../integrations/hubspot/hubspotCrm.ts';
import { createHubSpotOAuth, type HubSpotOAuthApp } from '../../integrations/hubspot/hubspotOAuth.ts';
import { log } from '../../platform/log.ts';
import type { SecretBox } from '../../platform/secretBox.ts';
import { RelayError } from '../errors.ts';
import { storeHubSpotConnection, type ConnectorDeps } from './hubspot.ts';

// HubSpot's OAuth install (issue 11), beside the private-app token: the admin is sent to HubSpot's
// authorize page with a `state`, comes back to the callback with a code, and Relay keeps the tokens
// sealed (services/connectors/hubspotAuth.ts refreshes them before they expire).

/** Where HubSpot sends the admin back (the OAuth app's redirect URL must be exactly this). */
export const HUBSPOT_OAUTH_CALLBACK_PATH = '/connectors/hubspot/oauth/callback';
export const hubspotOAuthRedirectUri = (publicUrl: string) => `${publicUrl}${HUBSPOT_OAUTH_CALLBACK_PATH}`;

/** What the state cookie is sealed for (secretBox's associated data): it opens as nothing else. */
const STATE_PURPOSE = 'hubspot-oauth-state';
const STATE_TTL_MS = 10 * 60_000;

/** Why an install did not complete: a closed list, so the page shows Relay's words, never a query string's. */
export const HUBSPOT_OAUTH_PROBLEMS = {
  not_configured: 'OAuth is not configured on this Relay (HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET): connect with a private app\'s token instead.',
  state: 'the install link expired, was used already, or was started by someone else. Start again with "Connect with HubSpot".',
  denied: 'HubSpot did not grant access (the install was cancelled). Start again with "Connect with HubSpot" to try once more.',
  refused: 'HubSpot refused the authorisation code. Start again with "Connect with HubSpot".',
  scopes: `HubSpot granted fewer scopes than Relay needs (${HUBSPOT_SCOPES.join(', ')}). Install the app again and accept them all.`,
  unavailable: 'HubSpot did not answer; nothing was changed. Start again in a moment.',
} as const;
export type HubSpotOAuthProblem = keyof typeof HUBSPOT_OAUTH_PROBLEMS;

export class HubSpotOAuthFailed extends Error {
  override name = 'HubSpotOAuthFailed';
  constructor(readonly problem: HubSpotOAuthProblem) {
    super(HUBSPOT_OAUTH_PROBLEMS[problem]);
  }
}

export interface HubSpotOAuthDeps extends ConnectorDeps {
  publicUrl: string;
  /** HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET; without them, only the private-app token connects. */
  hubspotOAuth?: HubSpotOAuthApp | undefined;
}

/** Who started the install: the state is good for this organisation, user and session only. */
export interface OAuthInstaller { orgId: string; userId: string; sessionId: string }

const pendingSchema = z.object({
  stateHash: z.string(), orgId: z.string(), userId: z.string(), sessionId: z.string(), expiresAtMs: z.number(),
  /** The connection's secrets when the install began: a completed install changes them, so the state serves once. */
  version: z.string(),
  setup: hubspotOAuthSetupSchema,
});

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
/** Which secrets the organisation's HubSpot connection holds now ("none": no connection). */
const versionOf = (row: ConnectionRow | null) => (row ? sha256(row.sealedSecrets) : 'none');

function secretBoxOf(deps: ConnectorDeps): SecretBox {
  if (!deps.secretBox) throw new RelayError('unavailable', 'connectors need RELAY_SECRET to encrypt their tokens; it is not configured');
  return deps.secretBox;
}

/**
 * "Connect with HubSpot": checks the settings the connection will have, and answers where to send
 * the admin (HubSpot's authorize URL with the scopes, the redirect URI and a random `state`) and the
 * cookie to set: the state's hash, the installer and the settings, sealed, expiring in ten minutes.
 */
export async function beginHubSpotOAuth(deps: HubSpotOAuthDeps, who: OAuthInstaller, body: unknown, now = Date.now()): Promise<{ url: string; cookie: string; maxAgeSeconds: number }> {
  if (!deps.hubspotOAuth) throw new HubSpotOAuthFailed('not_configured');
  const parsed = hubspotOAuthSetupSchema.safeParse(body);
  if (!parsed.success) throw new RelayError('validation', 'the HubSpot connection has invalid fields', { fields: fieldErrors(parsed.error) });
  const state = randomBytes(32).toString('base64url');
  const pending: z.infer<typeof pendingSchema> = {
    stateHash: sha256(state), ...who, expiresAtMs: now + STATE_TTL_MS, version: versionOf(await getConnection(deps.db, who.orgId, 'hubspot')), setup: parsed.data,
  };
  const url = createHubSpotOAuth({ app: deps.hubspotOAuth }).authorizeUrl(hubspotOAuthRedirectUri(deps.publicUrl), state);
  return { url, cookie: secretBoxOf(deps).seal(JSON.stringify(pending), STATE_PURPOSE), maxAgeSeconds: STATE_TTL_MS / 1000 };
}

const callbackQuerySchema = z.object({ code: z.string().min(1).max(2000).optional(), state: z.string().min(1).max(200).optional(), error: z.string().max(200).optional() });

/** The pending install the cookie holds, if it is this state's, this installer's, unexpired and not used yet. */
async function pendingInstall(deps: HubSpotOAuthDeps, who: OAuthInstaller, state: string, cookie: string | undefined, now: number) {
  if (!cookie) return null;
  let pending: z.infer<typeof pendingSchema>;
  try {
    pending = pendingSchema.parse(JSON.parse(secretBoxOf(deps).open(cookie, STATE_PURPOSE)));
  } catch (error) {
    if (error instanceof RelayError) throw error;
    return null;
  }
  const given = Buffer.from(sha256(state));
  const expected = Buffer.from(pending.stateHash);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (pending.orgId !== who.orgId || pending.userId !== who.userId || pending.sessionId !== who.sessionId || pending.expiresAtMs <= now) return null;
  if (pending.version !== versionOf(await getConnection(deps.db, who.orgId, 'hubspot'))) return null;
  return pending;
}

/**
 * `GET /connectors/hubspot/oauth/callback?code&state`: the state checked against the installer's
 * cookie (CSRF: a code from anyone else's install is refused before it is used), the code exchanged
 * for tokens, the portal read from the access token, and the connection stored with its tokens and
 * the OAuth app's client secret sealed (webhooks are signed with it) and its sync schedule running.
 */
export async function completeHubSpotOAuth(deps: HubSpotOAuthDeps, who: OAuthInstaller, query: unknown, cookie: string | undefined, now = Date.now()) {
  try {
    const view = await installFromCallback(deps, who, query, cookie, now);
    log.info('hubspot connected by oauth', { orgId: who.orgId, userId: who.userId, connectionId: view.id, portalId: view.externalAccountId });
    return view;
  } catch (error) {
    if (error instanceof HubSpotOAuthFailed) log.warn('hubspot oauth install not completed', { orgId: who.orgId, userId: who.userId, problem: error.problem });
    throw error;
  }
}

async function installFromCallback(deps: HubSpotOAuthDeps, who: OAuthInstaller, query: unknown, cookie: string | undefined, now: number) {
  if (!deps.hubspotOAuth) throw new HubSpotOAuthFailed('not_configured');
  const q = callbackQuerySchema.safeParse(query);
  if (!q.success || !q.data.state) throw new HubSpotOAuthFailed('state');
  const pending = await pendingInstall(deps, who, q.data.state, cookie, now);
  if (!pending) throw new HubSpotOAuthFailed('state');
  if (q.data.error || !q.data.code) throw new HubSpotOAuthFailed('denied');
  const oauth = createHubSpotOAuth({ app: deps.hubspotOAuth, basePath: deps.hubspotBaseUrl });
  let grant;
  let info;
  try {
    grant = await oauth.exchangeCode(q.data.code, hubspotOAuthRedirectUri(deps.publicUrl), now);
    info = await oauth.tokenInfo(grant.accessToken);
  } catch (error) {
    if (error instanceof HubSpotCallFailed) throw new HubSpotOAuthFailed(error.kind === 'unauthorized' || error.kind === 'rejected' || error.kind === 'not_found' ? 'refused' : 'unavailable');
    throw error;
  }
  if (HUBSPOT_SCOPES.some((s) => !info.scopes.includes(s))) throw new HubSpotOAuthFailed('scopes');
  const settings: HubSpotSettings = { portalId: info.portalId, ...pending.setup, auth: 'oauth' };
  const secrets: HubSpotSecrets = {
    accessToken: grant.accessToken, clientSecret: deps.hubspotOAuth.clientSecret,
    oauth: { clientId: deps.hubspotOAuth.clientId, refreshToken: grant.refreshToken, expiresAtMs: grant.expiresAtMs },
  };
  return storeHubSpotConnection(deps, who.orgId, settings, secrets);
}
