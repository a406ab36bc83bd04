import { z } from 'zod';
import {
  companyDomainOfTraits, domainOfId, emailDomainOf, eventId, eventName, eventProperties, eventTimestamp, MAX_EVENT_ID_LENGTH, MAX_EVENT_NAME_LENGTH,
  messageKeyOf, NOT_QUICK, quickEventTimestamp, quickProperties, quickSdkId, quickTrimmed, quickWithinEventSize, sdkId, textAt,
  withinEventSize, type IncomingEvent, type LearnedUser,
} from './events.ts';

/**
 * Segment's HTTP tracking API (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/):
 * what `@segment/analytics-node` and the other Segment libraries send to `/v1/batch`, `/v1/track`,
 * `/v1/identify`, `/v1/group` (and `/v1/page`, `/v1/screen`, `/v1/alias`).
 */

export const SEGMENT_TYPES = ['track', 'identify', 'group', 'page', 'screen', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

const segmentMessage = z.looseObject({
  type: z.enum(SEGMENT_TYPES),
  messageId: eventId.optional(),
  event: eventName.optional(),
  name: z.string().max(200).nullish(),
  userId: sdkId.nullish(),
  anonymousId: sdkId.nullish(),
  groupId: sdkId.nullish(),
  previousId: sdkId.nullish(),
  timestamp: eventTimestamp.optional(),
  originalTimestamp: eventTimestamp.optional(),
  properties: eventProperties.nullish(),
  traits: eventProperties.nullish(),
  context: eventProperties.nullish(),
}).superRefine((m, ctx) => {
  if (m.type === 'track' && !m.event) ctx.addIssue({ code: 'custom', path: ['event'], message: 'is required for a track call' });
  if (m.type === 'group' && !m.groupId) ctx.addIssue({ code: 'custom', path: ['groupId'], message: 'is required for a group call' });
  if (m.type === 'alias' && !m.previousId) ctx.addIssue({ code: 'custom', path: ['previousId'], message: 'is required for an alias call' });
  if (m.type !== 'alias' && !m.userId && !m.anonymousId) ctx.addIssue({ code: 'custom', path: ['userId'], message: 'userId or anonymousId is required' });
  withinEventSize(m, ctx);
});
type SegmentMessage = z.infer<typeof segmentMessage>;

/** `POST /v1/batch`: `{ batch: [...], writeKey?, sentAt? }`. */
export const segmentBatchSchema = z.looseObject({
  batch: z.array(segmentMessage, { error: 'must be a list of messages' }),
  writeKey: z.string().optional(),
});

/** `POST /v1/track` and the other single calls: one message, its type given by the path. */
export const segmentSingleSchema = (type: SegmentType) => z.preprocess(
  (body) => (typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, type } : body),
  segmentMessage,
);

const SEGMENT_TYPE_SET: ReadonlySet<unknown> = new Set(SEGMENT_TYPES);
const SDK_ID_FIELDS = ['userId', 'anonymousId', 'groupId', 'previousId'] as const;
const PROPERTY_FIELDS = ['properties', 'traits', 'context'] as const;
/** How much longer the schema's answer can serialise than the message sent: four number IDs made strings, two timestamps made Dates. */
const SIZE_SLACK = 4 * 2 + 2 * 6;

/**
 * segmentMessage's answer for a message of the shape Segment's libraries send every time (a message
 * ID, string or number IDs, ISO timestamps, plain objects for properties, traits and context), or
 * NOT_QUICK for anything else, so the schema parses it. Only the fields segmentEvent reads are kept.
 */
function quickSegmentMessage(raw: unknown, now: number): SegmentMessage | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return NOT_QUICK;
  const m = raw as Record<string, unknown>;
  const type = m.type as SegmentType;
  if (!SEGMENT_TYPE_SET.has(type)) return NOT_QUICK;
  // Without a message ID the key is a hash of the schema's whole answer, unknown fields included: the schema makes it.
  const messageId = quickTrimmed(m.messageId, MAX_EVENT_ID_LENGTH);
  if (messageId === NOT_QUICK) return NOT_QUICK;
  const out: SegmentMessage = { type, messageId };
  if (m.event !== undefined) {
    if ((out.event = quickTrimmed(m.event, MAX_EVENT_NAME_LENGTH)) === NOT_QUICK) return NOT_QUICK;
  }
  if (m.name !== undefined && m.name !== null) {
    if (typeof m.name !== 'string' || m.name.length > 200) return NOT_QUICK;
    out.name = m.name;
  }
  for (const field of SDK_ID_FIELDS) {
    const value = m[field];
    if (value === undefined || value === null) continue;
    if ((out[field] = quickSdkId(value)) === NOT_QUICK) return NOT_QUICK;
  }
  if (m.timestamp !== undefined && (out.timestamp = quickEventTimestamp(m.timestamp, now)) === NOT_QUICK) return NOT_QUICK;
  if (m.originalTimestamp !== undefined && (out.originalTimestamp = quickEventTimestamp(m.originalTimestamp, now)) === NOT_QUICK) return NOT_QUICK;
  for (const field of PROPERTY_FIELDS) {
    const value = m[field];
    if (value === undefined || value === null) continue;
    if ((out[field] = quickProperties(value)) === NOT_QUICK) return NOT_QUICK;
  }
  // The schema's refinements: each answered by the schema itself when it fails.
  if (type === 'track' && !out.event) return NOT_QUICK;
  if (type === 'group' && !out.groupId) return NOT_QUICK;
  if (type === 'alias' && !out.previousId) return NOT_QUICK;
  if (type !== 'alias' && !out.userId && !out.anonymousId) return NOT_QUICK;
  return quickWithinEventSize(raw, SIZE_SLACK) ? out : NOT_QUICK;
}

/**
 * The messages of a `POST /v1/batch` body as segmentBatchSchema would give them (the fields
 * segmentEvent reads), when every one has the usual shape; else the schema's own answer (a 400
 * naming each bad field through parse). A batch of 500 usual messages costs about a quarter of the schema's time.
 */
export function segmentBatchMessages(body: unknown, parse: (schema: typeof segmentBatchSchema, body: unknown) => { batch: SegmentMessage[] }, now = Date.now()): SegmentMessage[] {
  const envelope = body as { batch?: unknown; writeKey?: unknown } | null;
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && Array.isArray(envelope!.batch)
    && (envelope!.writeKey === undefined || typeof envelope!.writeKey === 'string')) {
    const batch = envelope!.batch as unknown[];
    const messages: SegmentMessage[] = new Array(batch.length);
    let i = 0;
    for (; i < batch.length; i++) {
      const message = quickSegmentMessage(batch[i], now);
      if (message === NOT_QUICK) break;
      messages[i] = message;
    }
    if (i === batch.length) return messages;
  }
  return parse(segmentBatchSchema, body).batch;
}

/** Segment names only track calls; the other calls are stored under `$`-names, as PostHog names its own. */
const typeName = (m: SegmentMessage): string => (m.type === 'track' ? m.event! : `$${m.type}`);

/** What an event without a message ID is keyed by: the message as parsed, less the write key. */
function contentOf(m: SegmentMessage): unknown {
  const { writeKey: _ignored, ...content } = m as SegmentMessage & { writeKey?: string };
  return content;
}

/** Domains read from IDs and emails in one request: a batch names each company and user's domain many times over. */
interface DomainMemo { ofId: Map<string, string | null>; ofEmail: Map<string, string | null> }

/** `read(key)`, once per key per request (no key, no domain). */
function memoised(cache: Map<string, string | null>, key: string | null, read: (key: string) => string | null): string | null {
  if (key === null) return null;
  let value = cache.get(key);
  if (value === undefined) cache.set(key, value = read(key));
  return value;
}

/** One message as Relay keeps it: when, who, which company, which account, and what it teaches about its user and group. */
function segmentEvent(m: SegmentMessage, path: string, receivedAt: Date, memo: DomainMemo): IncomingEvent {
  const userId = m.userId ?? m.anonymousId ?? null;
  const bag = m.type === 'identify' || m.type === 'group' ? m.traits : m.properties;
  const properties: Record<string, unknown> = { ...bag };
  if ((m.type === 'page' || m.type === 'screen') && m.name && properties.name === undefined) properties.name = m.name;
  if (m.type === 'alias') properties.previousId = m.previousId;

  const groupId = m.type === 'group' ? m.groupId! : textAt(m.context, 'groupId');
  const companyDomain = m.type === 'group' ? companyDomainOfTraits(m.traits) : null;
  const email = (m.type === 'identify' ? textAt(m.traits, 'email') : null) ?? textAt(m.context, 'traits', 'email') ?? (userId?.includes('@') ? userId : null);
  const emailDomain = memoised(memo.ofEmail, email, emailDomainOf);

  let learnsUser: LearnedUser | null = null;
  if (userId && (emailDomain || groupId)) {
    learnsUser = { id: userId, ...(emailDomain ? { emailDomain } : {}), ...(groupId ? { groupId } : {}) };
  }
  return {
    source: 'segment',
    path,
    messageKey: m.messageId ? messageKeyOf('segment', m.messageId, null) : messageKeyOf('segment', null, contentOf(m)),
    type: typeName(m),
    occurredAt: m.timestamp ?? m.originalTimestamp ?? receivedAt,
    userId,
    properties,
    accountId: textAt(m.properties, 'relayAccountId') ?? textAt(m.traits, 'relayAccountId') ?? textAt(m.context, 'relayAccountId'),
    companyDomain,
    groupRefs: groupId ? [{ id: groupId, domain: memoised(memo.ofId, groupId, domainOfId) }] : [],
    emailDomain,
    learnsUser,
    learnsGroups: m.type === 'group' ? [{ id: groupId!, ...(companyDomain ? { domain: companyDomain } : {}) }] : [],
  };
}

export function segmentEvents(messages: SegmentMessage[], pathPrefix: string, receivedAt: Date): IncomingEvent[] {
  const memo: DomainMemo = { ofId: new Map(), ofEmail: new Map() };
  return messages.map((m, i) => segmentEvent(m, `${pathPrefix}${i}`, receivedAt, memo));
}

