import { Hono } from 'hono';
import { z } from 'zod';
import { listUnmatchedEventDomains } from '../../db/repositories/events.ts';
import { apiEvents, apiEventsBodySchema } from '../../domain/apiEvents.ts';
import { ingestEvents } from '../../services/events/ingestEvents.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { readEventsBody } from '../ingestionBody.ts';
import { eventsIngestedResponse, unmatchedEventsResponse } from '../responses.ts';
import { parseOrThrow } from '../validation.ts';

const unmatchedQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/** Relay's own events API (Bearer API key): engagement signals and product events, and what is left unmatched. */
export function eventRoutes(deps: AppDeps) {
  return new Hono<ApiEnv>()
    .post('/', async (c) => {
      const body = parseOrThrow(apiEventsBodySchema, await readEventsBody(c));
      const result = await ingestEvents(deps.db, c.get('orgId'), apiEvents(body), { unknownAccountIds: 'refuse' });
      return c.json(eventsIngestedResponse.parse(result));
    })
    .get('/unmatched', async (c) => {
      const { limit } = parseOrThrow(unmatchedQuerySchema, c.req.query());
      const list = await listUnmatchedEventDomains(deps.db, c.get('orgId'), limit);
      return c.json(unmatchedEventsResponse.parse({ ...list, items: list.items.map((i) => ({ ...i, domain: i.domain || null })) }));
    });
}
