// The demo organisation's first weeks of product and engagement events (`npm start`, first run):
// Globex uses the product daily, meets its CSM and gets quick replies; Initech's usage faded a month
// ago, an email waits for a reply and tickets pile up. Sent through the same ingestion as an SDK's,
// then scored at once, so the list and account pages show health, sparkline points and the "why".
import type { Database } from '../db/client.ts';
import { apiEvents, apiEventsBodySchema } from '../domain/apiEvents.ts';
import { ingestEvents } from '../services/events/ingestEvents.ts';

const DAY = 86_400_000;

function demoEventBody(now: number) {
  const at = (daysAgo: number, hour = 10) => new Date(now - daysAgo * DAY - (hour % 24) * 3_600_000).toISOString();
  const events: { type: string; domain: string; occurredAt: string; id: string; properties?: Record<string, unknown> }[] = [];
  for (let d = 0; d < 13; d++) {
    events.push({ type: 'report_viewed', domain: 'globex.example', occurredAt: at(d, 2), id: `demo-globex-report-${d}` });
    if (d % 2 === 0) events.push({ type: 'plant_dashboard_shared', domain: 'globex.example', occurredAt: at(d, 4), id: `demo-globex-share-${d}` });
  }
  for (let m = 0; m < 4; m++) events.push({ type: 'meeting_held', domain: 'globex.example', occurredAt: at(2 + m * 9), id: `demo-globex-meeting-${m}` });
  for (let e = 0; e < 3; e++) {
    events.push({ type: 'email_received', domain: 'globex.example', occurredAt: at(1 + e * 6, 6), id: `demo-globex-in-${e}`, properties: { threadId: `globex-${e}` } });
    events.push({ type: 'email_replied', domain: 'globex.example', occurredAt: at(1 + e * 6, 3), id: `demo-globex-out-${e}`, properties: { threadId: `globex-${e}` } });
  }
  for (let d = 30; d < 40; d++) events.push({ type: 'tps_report_filed', domain: 'initech.example', occurredAt: at(d), id: `demo-initech-report-${d}` });
  events.push({ type: 'email_received', domain: 'initech.example', occurredAt: at(6), id: 'demo-initech-in-0', properties: { threadId: 'initech-0' } });
  for (let k = 0; k < 4; k++) events.push({ type: 'ticket_opened', domain: 'initech.example', occurredAt: at(12 - k * 2), id: `demo-initech-ticket-${k}`, properties: { ticketId: `INI-${k}` } });
  return { events };
}

/** Stores the demo events for the demo accounts (matched by their domains). Idempotent: a second run stores nothing. */
export async function sendDemoEvents(db: Database, orgId: string, now = Date.now()): Promise<number> {
  const body = apiEventsBodySchema.parse(demoEventBody(now));
  const result = await ingestEvents(db, orgId, apiEvents(body), { unknownAccountIds: 'ignore' });
  return result.stored;
}
