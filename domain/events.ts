import { createHash } from 'node:crypto';
import { z } from 'zod';
import { domainOfEmail, domainOfWebsiteOrHost, isPublicMailDomain } from './companyDomains.ts';

/**
 * Product and engagement events, whichever way they arrive (Segment's tracking API, PostHog's
 * capture API, Relay's own POST /api/events): the shared vocabulary, limits and rules. Each format's
 * reader (segmentEvents.ts, posthogEvents.ts, apiEvents.ts) turns what it was sent into
 * `IncomingEvent`s; services/events/ingestEvents.ts matches and stores them.
 */

export const EVENT_SOURCES = ['segment', 'posthog', 'api'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** Engagement signals a CRM, mailbox, calendar or help desk integration sends through POST /api/events. */
export const ENGAGEMENT_SIGNALS = ['email_received', 'email_replied', 'meeting_held', 'ticket_opened', 'ticket_resolved'] as const;

/** One event, serialised: Segment's own per-message limit. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_EVENT_NAME_LENGTH = 200;
/** Message IDs, user IDs, group IDs, account IDs. */
export const MAX_EVENT_ID_LENGTH = 200;

/** Events are dated between these: nothing before 2000, nothing more than a day ahead of Relay's clock. */
export const EARLIEST_EVENT_AT = new Date('2000-01-01T00:00:00Z');
export const LATEST_EVENT_AHEAD_MS = 24 * 3600 * 1000;

/** What an event says about who sent it, learned for later events of the same user or group. */
export interface LearnedUser { id: string; emailDomain?: string; groupId?: string }
export interface LearnedGroup { id: string; domain?: string }

export interface IncomingEvent {
  source: EventSource;
  /** Where the event sits in the request (`batch.3`), for errors about it. */
  path: string;
  /** The dedupe key: the sender's message ID, or a hash of the event's content when it has none. */
  messageKey: string;
  type: string;
  occurredAt: Date;
  /** The SDK's user (Segment userId or anonymousId, PostHog distinct_id). */
  userId: string | null;
  properties: Record<string, unknown>;
  /** An account the sender names outright: the first matching rule. */
  accountId: string | null;
  /** A company domain the event itself carries (group traits, API `domain`). */
  companyDomain: string | null;
  /** Groups to look up for a company domain (Segment groupId, PostHog `type:key`), each with the domain its ID spells, if any. */
  groupRefs: { id: string; domain: string | null }[];
  /** The contact's email domain, when the event carries the email. */
  emailDomain: string | null;
  learnsUser: LearnedUser | null;
  learnsGroups: LearnedGroup[];
}

// ---- schema pieces every format shares --------------------------------------------------------

const TIMESTAMP_MESSAGE = 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-30T09:15:00Z';

const isoDateTime = z.iso.datetime({ offset: true, error: TIMESTAMP_MESSAGE });

/** An ISO 8601 date-time with a zone, between 2000-01-01 and a day from now. */
export const eventTimestamp = z.string({ error: TIMESTAMP_MESSAGE })
  .pipe(isoDateTime)
  .transform((s) => new Date(s))
  .refine((d) => d.getTime() >= EARLIEST_EVENT_AT.getTime(), { error: 'must not be before 2000-01-01' })
  .refine((d) => d.getTime() <= Date.now() + LATEST_EVENT_AHEAD_MS, { error: 'must not be more than a day in the future' });

export const eventName = z.string().trim().min(1, { error: 'is required' }).max(MAX_EVENT_NAME_LENGTH);
export const eventId = z.string().trim().min(1, { error: 'must not be empty' }).max(MAX_EVENT_ID_LENGTH);
/** IDs SDKs send as strings or numbers (Segment userId, PostHog distinct_id). */
export const sdkId = z.union([z.string(), z.number().finite()]).transform(String).pipe(eventId);
export const eventProperties = z.record(z.string(), z.unknown());

// ---- the same rules without zod, for the usual event (ingestion's hot path) -------------------------
//
// Each `quick…` function answers exactly what its schema above answers for a value the schema accepts,
// and `undefined` (`NOT_QUICK`) for anything it is not sure of: the caller then parses the whole
// request with the schema, for its answer or its errors. So the schemas stay the one definition of
// what is accepted; these only skip zod's per-value work for the shapes SDKs send every time
// (domain/events.test.ts checks the two agree). zod spent ~15 µs on a usual Segment message, a fifth
// of the API's CPU per ingested event (profiled on the bench's batches).

/** What a `quick…` check answers when it leaves the value to the schema. */
export const NOT_QUICK = undefined;

const ISO_DATE_TIME: RegExp | undefined = isoDateTime._zod.def.pattern;

/** eventTimestamp's answer for a value it accepts; NOT_QUICK otherwise. */
export function quickEventTimestamp(value: unknown, now: number): Date | undefined {
  if (typeof value !== 'string' || !ISO_DATE_TIME?.test(value)) return NOT_QUICK;
  const at = new Date(value);
  const ms = at.getTime();
  return ms >= EARLIEST_EVENT_AT.getTime() && ms <= now + LATEST_EVENT_AHEAD_MS ? at : NOT_QUICK;
}

/** A trimmed, non-empty string of at most `max` characters (eventName, eventId); NOT_QUICK otherwise. */
export function quickTrimmed(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return NOT_QUICK;
  const trimmed = value.trim();
  return trimmed.length >= 1 && trimmed.length <= max ? trimmed : NOT_QUICK;
}

/** sdkId's answer (a string or finite number, as a trimmed string of 1–200 characters); NOT_QUICK otherwise. */
export function quickSdkId(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? quickTrimmed(String(value), MAX_EVENT_ID_LENGTH) : NOT_QUICK;
  return quickTrimmed(value, MAX_EVENT_ID_LENGTH);
}

/**
 * eventProperties' answer (a plain object with string keys, kept as it is); NOT_QUICK otherwise. An
 * object with an own `__proto__` or `constructor` key is left to zod, whose copy treats them its own way.
 */
export function quickProperties(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return NOT_QUICK;
  return Object.hasOwn(value, '__proto__') || Object.hasOwn(value, 'constructor') ? NOT_QUICK : value as Record<string, unknown>;
}

/**
 * Whether withinEventSize surely accepts what a schema makes of `raw`: its JSON is short enough for
 * the schema's own shortcut even after the schema's changes, which lengthen it by at most `slack`
 * characters (a number ID becomes a string, a timestamp a Date). Else the schema decides.
 */
export function quickWithinEventSize(raw: unknown, slack: number): boolean {
  const text = JSON.stringify(raw);
  return text !== undefined && (text.length + slack) * 3 <= MAX_EVENT_BYTES;
}

/** Refuses a message over MAX_EVENT_BYTES, naming it (`batch.3`). */
export function withinEventSize(value: unknown, ctx: z.RefinementCtx<unknown>): void {
  const text = JSON.stringify(value);
  // A UTF-16 unit is at most 3 bytes of UTF-8: the usual event is far under the limit without encoding it.
  if (text.length * 3 <= MAX_EVENT_BYTES) return;
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_EVENT_BYTES) ctx.addIssue({ code: 'custom', message: `is ${Math.ceil(bytes / 1024)} KB: one event may be at most ${MAX_EVENT_BYTES / 1024} KB`, input: value });
}

// ---- helpers for the readers ------------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A string field of a loosely typed object (SDK traits and properties), or null. */
export function textAt(value: unknown, ...keys: string[]): string | null {
  let node: unknown = value;
  for (const key of keys) node = isRecord(node) ? node[key] : undefined;
  return typeof node === 'string' && node.trim() ? node.trim() : null;
}

export const recordAt = (value: unknown, key: string): Record<string, unknown> | null => (isRecord(value) && isRecord(value[key]) ? value[key] : null);

/** The company domain a set of traits gives (`domain`, then `website`), normalised; null without one. */
export function companyDomainOfTraits(traits: unknown): string | null {
  for (const key of ['domain', 'company_domain', 'companyDomain', 'website']) {
    const value = textAt(traits, key);
    const domain = value ? domainOfWebsiteOrHost(value) : null;
    if (domain) return domain;
  }
  return null;
}

/** A domain spelled by an ID itself (a group keyed `acme.com`): only IDs that read as host names. */
export function domainOfId(id: string): string | null {
  return /^[^\s@/:]+\.[a-z][a-z0-9-]*\.?$/i.test(id) ? domainOfWebsiteOrHost(id) : null;
}

export function emailDomainOf(email: string | null): string | null {
  if (!email?.includes('@')) return null;
  return domainOfEmail(email);
}

/** Keys sorted at every level, so the same content hashes the same whatever order it was sent in. */
function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value).sort().filter((k) => value[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The dedupe key of an event: `<source>:<message ID>`, or, for an event sent without one,
 * `<source>#<sha256 of its content>` (keys sorted; batch-level fields like `sentAt` are not part of
 * it), so a retried batch dedupes either way. Two identical events without IDs count once.
 */
export function messageKeyOf(source: EventSource, messageId: string | null, content: unknown): string {
  if (messageId) return `${source}:${messageId}`;
  return `${source}#${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

// ---- matching ---------------------------------------------------------------------------------

/** Why an event is not matched, and under which domain the admins see it counted. */
export type UnmatchedKind = 'company' | 'email' | 'public' | 'none';

/**
 * Where an unmatched event is counted: its company domain, else its email domain (`public` for a
 * mail provider's, which never matches), else `none`.
 */
export function unmatchedKeyOf(event: { groupDomain: string | null; emailDomain: string | null }): { kind: UnmatchedKind; domain: string } {
  if (event.groupDomain) return { kind: 'company', domain: event.groupDomain };
  if (event.emailDomain) return { kind: isPublicMailDomain(event.emailDomain) ? 'public' : 'email', domain: event.emailDomain };
  return { kind: 'none', domain: '' };
}

/** A domain that may identify an account: never a public mail provider's. */
export const matchableDomain = (domain: string | null): string | null => (domain && !isPublicMailDomain(domain) ? domain : null);

/** The UTC calendar day an event counts toward in the daily rollups (`YYYY-MM-DD`). */
export const eventDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The first day of the UTC month an event's partition covers (`YYYY-MM-01`). */
export const eventMonth = (at: Date): string => `${at.toISOString().slice(0, 7)}-01`;

// ---- engagement threads (what health scoring times) -------------------------------------------------

export interface ThreadEffect { kind: 'email' | 'ticket'; change: 'open' | 'close'; threadKey: string | null }

const THREAD_SIGNALS: Record<string, Omit<ThreadEffect, 'threadKey'>> = {
  email_received: { kind: 'email', change: 'open' },
  email_replied: { kind: 'email', change: 'close' },
  ticket_opened: { kind: 'ticket', change: 'open' },
  ticket_resolved: { kind: 'ticket', change: 'close' },
};

/**
 * What an engagement signal does to the account's threads: a customer email opens one (waiting for
 * our reply) and our reply closes it; a ticket opens and is resolved. The thread is named by the
 * event's `threadId` (emails) or `ticketId` (tickets) property, a string or a number; a reply that
 * names none answers the email that has waited longest.
 */
export function threadEffectOf(type: string, properties: Record<string, unknown>): ThreadEffect | null {
  const signal = THREAD_SIGNALS[type];
  if (!signal) return null;
  const raw = signal.kind === 'email' ? properties.threadId ?? properties.thread_id : properties.ticketId ?? properties.ticket_id;
  const threadKey = typeof raw === 'string' && raw.trim() ? raw.trim().slice(0, 200) : typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : null;
  return { ...signal, threadKey };
}
