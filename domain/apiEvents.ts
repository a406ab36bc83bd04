import { z } from 'zod';
import { domainOfWebsiteOrHost } from './companyDomains.ts';
import {
  emailDomainOf, eventId, eventName, eventProperties, eventTimestamp, messageKeyOf, withinEventSize, type IncomingEvent,
} from './events.ts';

/**
 * Relay's own `POST /api/events`: engagement signals (ENGAGEMENT_SIGNALS) and product events from
 * anything that is not a Segment or PostHog library. The account is named outright (`accountId`), or
 * found by its company `domain`, or by the contact's `email` domain, in that order.
 */
const apiEvent = z.strictObject({
  type: eventName,
  id: eventId.optional(),
  accountId: z.string().trim().min(1, { error: 'must not be empty' }).max(200).optional(),
  domain: z.string().trim().max(253).transform((value, ctx) => {
    const domain = domainOfWebsiteOrHost(value);
    if (!domain) ctx.addIssue({ code: 'custom', message: 'is not a domain name (acme.com) or website (https://acme.com)', input: value });
    return domain ?? '';
  }).optional(),
  email: z.email({ error: 'is not an email address' }).max(320).optional(),
  occurredAt: eventTimestamp,
  properties: eventProperties.optional(),
}).superRefine(withinEventSize);

export const apiEventsBodySchema = z.strictObject({
  events: z.array(apiEvent, { error: 'must be a list of events' }).min(1, { error: 'must hold at least one event' }),
});
type ApiEventsBody = z.infer<typeof apiEventsBodySchema>;

export function apiEvents(body: ApiEventsBody): IncomingEvent[] {
  return body.events.map((e, i) => ({
    source: 'api',
    path: `events.${i}`,
    messageKey: messageKeyOf('api', e.id ?? null, e),
    type: e.type,
    occurredAt: e.occurredAt,
    userId: null,
    properties: e.properties ?? {},
    accountId: e.accountId ?? null,
    companyDomain: e.domain ?? null,
    groupRefs: [],
    emailDomain: emailDomainOf(e.email ?? null),
    learnsUser: null,
    learnsGroups: [],
  }));
}
