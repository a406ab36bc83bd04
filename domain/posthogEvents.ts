import { z } from 'zod';
import {
  companyDomainOfTraits, domainOfId, emailDomainOf, eventId, eventName, eventProperties, eventTimestamp, messageKeyOf, recordAt, sdkId, textAt,
  withinEventSize, type IncomingEvent, type LearnedGroup, type LearnedUser,
} from './events.ts';

/**
 * PostHog's capture API (https://posthog.com/docs/api/capture): what `posthog-node` sends to
 * `/batch/` (`{ api_key, batch, sent_at }`, gzipped), and single events to `/capture/`, `/e/` and
 * `/i/v0/e/` (`{ api_key, event, distinct_id, properties, timestamp, uuid }`, or an array of them).
 */

const posthogEvent = z.looseObject({
  event: eventName,
  distinct_id: sdkId.nullish(),
  properties: eventProperties.nullish(),
  timestamp: eventTimestamp.optional(),
  uuid: eventId.optional(),
  api_key: z.string().optional(),
}).superRefine(withinEventSize);
type PosthogEvent = z.infer<typeof posthogEvent>;

const batchBody = z.looseObject({ api_key: z.string().optional(), batch: z.array(posthogEvent, { error: 'must be a list of events' }) });
const listBody = z.array(posthogEvent);

export interface PosthogBody { events: PosthogEvent[]; pathPrefix: string }

/**
 * The project key PostHog libraries send: `api_key` in the body (or `token`), or for a list of
 * events, in the first that has one (its `api_key` or `properties.token`, as posthog-js sends it).
 */
export function posthogApiKeyOf(body: unknown): string | null {
  const keyOf = (value: unknown) => textAt(value, 'api_key') ?? textAt(value, 'token') ?? textAt(value, 'properties', 'token');
  if (Array.isArray(body)) return body.map(keyOf).find(Boolean) ?? null;
  return keyOf(body);
}

/** Which of the capture API's shapes the body has (a batch, a list, one event), parsed with its schema. */
export function parsePosthogBody(body: unknown): { success: true; data: PosthogBody } | { success: false; error: z.ZodError } {
  if (Array.isArray(body)) {
    const parsed = listBody.safeParse(body);
    return parsed.success ? { success: true, data: { events: parsed.data, pathPrefix: '' } } : { success: false, error: parsed.error };
  }
  if (typeof body === 'object' && body !== null && 'batch' in body) {
    const parsed = batchBody.safeParse(body);
    return parsed.success ? { success: true, data: { events: parsed.data.batch, pathPrefix: 'batch.' } } : { success: false, error: parsed.error };
  }
  const parsed = posthogEvent.safeParse(body);
  return parsed.success ? { success: true, data: { events: [parsed.data], pathPrefix: '' } } : { success: false, error: parsed.error };
}

function posthogEventOf(e: PosthogEvent, path: string, receivedAt: Date): IncomingEvent {
  const { api_key: _key, ...content } = e;
  const properties = e.properties ?? {};
  const userId = e.distinct_id ?? textAt(properties, 'distinct_id');

  const learnsGroups: LearnedGroup[] = [];
  let companyDomain: string | null = null;
  const groupRefs: IncomingEvent['groupRefs'] = [];
  if (e.event === '$groupidentify') {
    const type = textAt(properties, '$group_type');
    const key = textAt(properties, '$group_key');
    if (type && key) {
      const id = `${type}:${key}`;
      companyDomain = companyDomainOfTraits(recordAt(properties, '$group_set'));
      groupRefs.push({ id, domain: domainOfId(key) });
      learnsGroups.push({ id, ...(companyDomain ? { domain: companyDomain } : {}) });
    }
  }
  for (const [type, key] of Object.entries(recordAt(properties, '$groups') ?? {})) {
    if (typeof key === 'string' || typeof key === 'number') groupRefs.push({ id: `${type}:${key}`, domain: domainOfId(String(key)) });
  }

  const email = textAt(properties, '$set', 'email') ?? textAt(properties, '$set_once', 'email') ?? (userId?.includes('@') ? userId : null);
  const emailDomain = emailDomainOf(email);
  const groupId = e.event === '$groupidentify' ? null : groupRefs[0]?.id ?? null;
  let learnsUser: LearnedUser | null = null;
  if (userId && (emailDomain || groupId)) learnsUser = { id: userId, ...(emailDomain ? { emailDomain } : {}), ...(groupId ? { groupId } : {}) };

  return {
    source: 'posthog',
    path,
    messageKey: messageKeyOf('posthog', e.uuid ?? null, content),
    type: e.event,
    occurredAt: e.timestamp ?? receivedAt,
    userId,
    properties,
    accountId: textAt(properties, 'relayAccountId'),
    companyDomain,
    groupRefs,
    emailDomain,
    learnsUser,
    learnsGroups,
  };
}

export function posthogEvents(body: PosthogBody, receivedAt: Date): IncomingEvent[] {
  return body.events.map((e, i) => posthogEventOf(e, `${body.pathPrefix}${i}`, receivedAt));
}
