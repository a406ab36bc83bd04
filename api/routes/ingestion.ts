import { Hono, type Context } from 'hono';
import { parsePosthogBody, posthogApiKeyOf, posthogEvents } from '../../domain/posthogEvents.ts';
import { segmentBatchMessages, segmentEvents, segmentSingleSchema, type SegmentType } from '../../domain/segmentEvents.ts';
import { fieldErrors } from '../../domain/accountInput.ts';
import { RelayError } from '../../services/errors.ts';
import { ingestEvents } from '../../services/events/ingestEvents.ts';
import { authenticateWriteKey } from '../../services/writeKeys.ts';
import type { AppDeps } from '../deps.ts';
import { readEventsBody } from '../ingestionBody.ts';
import { posthogIngestedResponse, segmentIngestedResponse } from '../responses.ts';
import { parseOrThrow } from '../validation.ts';

/** The write key a Segment library sends: HTTP Basic auth's username (the password is empty). */
function basicAuthUser(header: string | undefined): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return (colon < 0 ? decoded : decoded.slice(0, colon)) || null;
}

const fieldOf = (body: unknown, key: string): string | null => {
  const value = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' && value ? value : null;
};

/** PostHog's capture paths; each is served with and without the trailing slash its libraries use. */
const POSTHOG_PATHS = ['/batch', '/capture', '/e', '/i/v0/e'];

const SEGMENT_AUTH = 'send it as the Basic auth username (Authorization: Basic base64("<write key>:")) or as "writeKey" in the body';
const POSTHOG_AUTH = 'send it as "api_key" in the body';

/**
 * The ingestion endpoints, at the paths the SDKs post to (a customer changes only the SDK's host):
 * Segment's HTTP tracking API under /v1, PostHog's capture API at /batch/, /capture/, /e/ and
 * /i/v0/e/. A write key names the organisation; everything else is the SDK's own format. Errors
 * answer JSON, like /api's (api/ingestionPaths.ts).
 */
export function ingestionRoutes(deps: AppDeps) {
  const segment = (type?: SegmentType) => async (c: Context) => {
    const receivedAt = new Date();
    // A key in the header is checked before the body is read; one in the body after.
    const headerKey = basicAuthUser(c.req.header('authorization'));
    let orgId = headerKey ? await authenticateWriteKey(deps.db, headerKey, SEGMENT_AUTH) : null;
    const body = await readEventsBody(c);
    orgId ??= await authenticateWriteKey(deps.db, fieldOf(body, 'writeKey'), SEGMENT_AUTH);
    const events = type
      ? segmentEvents([parseOrThrow(segmentSingleSchema(type), body)], '', receivedAt)
      : segmentEvents(segmentBatchMessages(body, parseOrThrow, receivedAt.getTime()), 'batch.', receivedAt);
    const result = await ingestEvents(deps.db, orgId, events, { unknownAccountIds: 'ignore' });
    return c.json(segmentIngestedResponse.parse({ success: true, ...result }));
  };

  const posthog = async (c: Context) => {
    const receivedAt = new Date();
    const body = await readEventsBody(c);
    const orgId = await authenticateWriteKey(deps.db, posthogApiKeyOf(body), POSTHOG_AUTH);
    const parsed = parsePosthogBody(body);
    if (!parsed.success) throw new RelayError('validation', 'the request has invalid fields', { fields: fieldErrors(parsed.error) });
    const result = await ingestEvents(deps.db, orgId, posthogEvents(parsed.data, receivedAt), { unknownAccountIds: 'ignore' });
    return c.json(posthogIngestedResponse.parse({ status: 1, ...result }));
  };

  const app = new Hono()
    .post('/v1/batch', segment())
    .post('/v1/import', segment())
    .post('/v1/track', segment('track'))
    .post('/v1/identify', segment('identify'))
    .post('/v1/group', segment('group'))
    .post('/v1/page', segment('page'))
    .post('/v1/screen', segment('screen'))
    .post('/v1/alias', segment('alias'));
  for (const path of POSTHOG_PATHS) app.post(path, posthog).post(`${path}/`, posthog);
  // Anything else on these paths is not a page to sign in for (the dashboard answers every other path).
  app.all('/v1/*', () => { throw new RelayError('not_found', 'no such route: Relay takes Segment calls at POST /v1/batch, /v1/track, /v1/identify, /v1/group, /v1/page, /v1/screen, /v1/alias'); });
  const postOnly = () => { throw new RelayError('not_found', 'send events here with POST'); };
  for (const path of POSTHOG_PATHS) app.all(path, postOnly).all(`${path}/`, postOnly);
  return app;
}
