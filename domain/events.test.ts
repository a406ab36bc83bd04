import { describe, expect, it } from 'vitest';
import { apiEvents, apiEventsBodySchema } from './apiEvents.ts';
import { domainOfWebsiteOrHost } from './companyDomains.ts';
import { domainOfId, messageKeyOf, unmatchedKeyOf } from './events.ts';
import { parsePosthogBody, posthogApiKeyOf, posthogEvents } from './posthogEvents.ts';
import { segmentBatchMessages, segmentBatchSchema, segmentEvents } from './segmentEvents.ts';

describe('event rules', () => {
  it('keys an event by its message ID, else by a hash of its content that ignores key order but not a single field', () => {
    expect(messageKeyOf('segment', 'abc', {})).toBe('segment:abc');
    const at = new Date('2026-11-30T09:00:00Z');
    const one = messageKeyOf('api', null, { type: 'login', occurredAt: at, properties: { a: 1, b: [1, { c: 2, d: 3 }] } });
    expect(messageKeyOf('api', null, { properties: { b: [1, { d: 3, c: 2 }], a: 1 }, occurredAt: new Date(at), type: 'login' })).toBe(one);
    expect(one).toMatch(/^api#[0-9a-f]{64}$/);
    expect(messageKeyOf('api', null, { type: 'login', occurredAt: new Date(at.getTime() + 1), properties: { a: 1, b: [1, { c: 2, d: 3 }] } })).not.toBe(one);
    expect(messageKeyOf('posthog', null, { type: 'login', occurredAt: at, properties: { a: 1, b: [1, { c: 2, d: 3 }] } })).not.toBe(one);
  });

  it('reads a company domain from a website or a bare host, and from an ID only when it reads as a host', () => {
    for (const typed of ['acme.com', 'https://www.Acme.com/about?x=1', 'WWW.ACME.COM.', 'http://acme.com:8080', 'acme.com/pricing']) expect(domainOfWebsiteOrHost(typed)).toBe('acme.com');
    for (const typed of ['not a domain', 'pat@acme.com', 'localhost', '']) expect(domainOfWebsiteOrHost(typed)).toBeNull();
    expect(domainOfId('acme.com')).toBe('acme.com');
    for (const id of ['grp_123', 'company:42', '3.14', 'user@acme.com']) expect(domainOfId(id)).toBeNull();
  });

  it('counts an unmatched event under its company domain, else its email domain (public ones apart), else none', () => {
    expect(unmatchedKeyOf({ groupDomain: 'acme.com', emailDomain: 'gmail.com' })).toEqual({ kind: 'company', domain: 'acme.com' });
    expect(unmatchedKeyOf({ groupDomain: null, emailDomain: 'gmail.com' })).toEqual({ kind: 'public', domain: 'gmail.com' });
    expect(unmatchedKeyOf({ groupDomain: null, emailDomain: 'acme.com' })).toEqual({ kind: 'email', domain: 'acme.com' });
    expect(unmatchedKeyOf({ groupDomain: null, emailDomain: null })).toEqual({ kind: 'none', domain: '' });
  });

  it('reads what each format says about the company and the contact', () => {
    const received = new Date('2026-11-30T12:00:00Z');
    const [identify, group, track] = segmentEvents(segmentBatchSchema.parse({ batch: [
      { type: 'identify', userId: 42, traits: { email: 'Pat@Acme.com' } },
      { type: 'group', userId: 'u', groupId: 'g1', traits: { website: 'https://www.acme.com' } },
      { type: 'track', anonymousId: 'a', event: 'Clicked', context: { groupId: 'acme.com', traits: { email: 'x@gmail.com' } }, originalTimestamp: '2026-11-29T00:00:00Z' },
    ] }).batch, 'batch.', received);
    expect(identify).toMatchObject({ type: '$identify', userId: '42', emailDomain: 'acme.com', learnsUser: { id: '42', emailDomain: 'acme.com' }, occurredAt: received });
    expect(group).toMatchObject({ type: '$group', companyDomain: 'acme.com', groupRefs: [{ id: 'g1', domain: null }], learnsGroups: [{ id: 'g1', domain: 'acme.com' }] });
    expect(track).toMatchObject({ type: 'Clicked', path: 'batch.2', groupRefs: [{ id: 'acme.com', domain: 'acme.com' }], emailDomain: 'gmail.com' });
    expect(track!.occurredAt.toISOString()).toBe('2026-11-29T00:00:00.000Z');

    const body = [{ event: 'x', properties: { token: 'wk_1', distinct_id: 'd', $groups: { company: 7 } } }];
    expect(posthogApiKeyOf(body)).toBe('wk_1');
    const parsed = parsePosthogBody(body);
    expect(parsed.success).toBe(true);
    if (parsed.success) expect(posthogEvents(parsed.data, received)[0]).toMatchObject({ userId: 'd', groupRefs: [{ id: 'company:7', domain: null }], learnsUser: { id: 'd', groupId: 'company:7' } });

    const [api] = apiEvents(apiEventsBodySchema.parse({ events: [{ type: 'meeting_held', domain: 'https://www.acme.com', email: 'pat@acme.com', occurredAt: '2026-11-30T10:00:00+02:00' }] }));
    expect(api).toMatchObject({ companyDomain: 'acme.com', emailDomain: 'acme.com', path: 'events.0' });
    expect(api!.occurredAt.toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('reads a usual Segment batch without zod, answering exactly what the schema answers, and leaves anything unusual to the schema', () => {
    const received = new Date('2026-11-30T12:00:00Z');
    const viaSchema = (body: unknown) => segmentEvents(segmentBatchSchema.parse(body).batch, 'batch.', received);
    const viaQuick = (body: unknown) => {
      let schemaAsked = false;
      const messages = segmentBatchMessages(body, (schema, b) => {
        schemaAsked = true;
        return schema.parse(b);
      }, received.getTime());
      return { schemaAsked, events: segmentEvents(messages, 'batch.', received) };
    };
    const usual = {
      writeKey: 'wk_1', sentAt: '2026-11-30T12:00:00Z',
      batch: [
        { type: 'track', messageId: ' m1 ', userId: 42, event: ' Report Viewed ', timestamp: '2026-11-29T10:00:00+02:00', properties: { plan: 'pro', n: 3 },
          context: { groupId: 'acme.com', library: { name: 'analytics-node', version: '3.1.0' } }, integrations: {} },
        { type: 'track', messageId: 'm2', anonymousId: 'anon-1', event: 'Exported', context: { traits: { email: 'pat@acme.com' } }, originalTimestamp: '2026-11-29T00:00:00.123Z' },
        { type: 'identify', messageId: 'm3', userId: 'u1', traits: { email: 'Pat@Acme.com', relayAccountId: 'acc_1' } },
        { type: 'group', messageId: 'm4', userId: 'u1', groupId: 'g1', traits: { website: 'https://www.acme.com' }, context: null },
        { type: 'page', messageId: 'm5', userId: 'u1', name: 'Pricing', properties: null, timestamp: '2026-11-30T12:30:00Z' },
        { type: 'alias', messageId: 'm6', previousId: 'anon-1', userId: 'u1' },
      ],
    };
    const quick = viaQuick(usual);
    expect(quick.schemaAsked).toBe(false);
    expect(quick.events).toEqual(viaSchema(usual));
    expect(quick.events[0]).toMatchObject({ messageKey: 'segment:m1', type: 'Report Viewed', userId: '42' });

    const message = usual.batch[0]!;
    const unusual: Record<string, unknown>[] = [
      { ...message, messageId: undefined }, // keyed by a hash of the schema's answer
      { ...message, messageId: '' },
      { ...message, timestamp: 'yesterday' },
      { ...message, timestamp: '2026-11-29T10:00:00' }, // no zone
      { ...message, timestamp: '1999-12-31T23:59:59Z' },
      { ...message, timestamp: '2026-12-05T00:00:00Z' }, // days ahead
      { ...message, timestamp: null },
      { ...message, userId: ' ' },
      { ...message, userId: 'x'.repeat(201) },
      { ...message, event: '' },
      { ...message, event: undefined },
      { ...message, type: 'screen', userId: undefined },
      { ...message, type: 'bogus' },
      { ...message, properties: [1, 2] },
      { ...message, properties: 'plan' },
      { ...message, properties: JSON.parse('{"__proto__": {"x": 1}, "a": 1}') },
      { ...message, name: 7 },
      { ...message, properties: { blob: 'x'.repeat(12_000) } }, // too near the 32 KB limit to be sure without the schema
    ];
    for (const odd of unusual) {
      const body = { batch: [message, odd] };
      const schema = segmentBatchSchema.safeParse(body);
      if (schema.success) {
        const answer = viaQuick(body);
        expect(answer.schemaAsked).toBe(true);
        expect(answer.events).toEqual(viaSchema(body));
      } else {
        expect(() => viaQuick(body)).toThrow();
      }
    }
    for (const body of [{ batch: 'x' }, { batch: [message], writeKey: 5 }, [message], null]) {
      expect(() => viaQuick(body)).toThrow();
    }
  });
});
