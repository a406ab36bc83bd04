import { z } from 'zod';
import {
  companyDomainOfTraits, domainOfId, emailDomainOf, eventId, eventName, eventProperties, eventTimestamp, messageKeyOf, sdkId, textAt,
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

/** Segment names only track calls; the other calls are stored under `$`-names, as PostHog names its own. */
const typeName = (m: SegmentMessage): string => (m.type === 'track' ? m.event! : `$${m.type}`);

/** One message as Relay keeps it: when, who, which company, which account, and what it teaches about its user and group. */
function segmentEvent(m: SegmentMessage, path: string, receivedAt: Date): IncomingEvent {
  const { writeKey: _ignored, ...content } = m as SegmentMessage & { writeKey?: string };
  const userId = m.userId ?? m.anonymousId ?? null;
  const bag = m.type === 'identify' || m.type === 'group' ? m.traits : m.properties;
  const properties: Record<string, unknown> = { ...bag };
  if ((m.type === 'page' || m.type === 'screen') && m.name && properties.name === undefined) properties.name = m.name;
  if (m.type === 'alias') properties.previousId = m.previousId;

  const groupId = m.type === 'group' ? m.groupId! : textAt(m.context, 'groupId');
  const companyDomain = m.type === 'group' ? companyDomainOfTraits(m.traits) : null;
  const email = (m.type === 'identify' ? textAt(m.traits, 'email') : null) ?? textAt(m.context, 'traits', 'email') ?? (userId?.includes('@') ? userId : null);
  const emailDomain = emailDomainOf(email);

  let learnsUser: LearnedUser | null = null;
  if (userId && (emailDomain || groupId)) {
    learnsUser = { id: userId, ...(emailDomain ? { emailDomain } : {}), ...(groupId ? { groupId } : {}) };
  }
  return {
    source: 'segment',
    path,
    messageKey: messageKeyOf('segment', m.messageId ?? null, content),
    type: typeName(m),
    occurredAt: m.timestamp ?? m.originalTimestamp ?? receivedAt,
    userId,
    properties,
    accountId: textAt(m.properties, 'relayAccountId') ?? textAt(m.traits, 'relayAccountId') ?? textAt(m.context, 'relayAccountId'),
    companyDomain,
    groupRefs: groupId ? [{ id: groupId, domain: domainOfId(groupId) }] : [],
    emailDomain,
    learnsUser,
    learnsGroups: m.type === 'group' ? [{ id: groupId!, ...(companyDomain ? { domain: companyDomain } : {}) }] : [],
  };
}

export function segmentEvents(messages: SegmentMessage[], pathPrefix: string, receivedAt: Date): IncomingEvent[] {
  return messages.map((m, i) => segmentEvent(m, `${pathPrefix}${i}`, receivedAt));
}

