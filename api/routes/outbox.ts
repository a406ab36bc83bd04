import { Hono } from 'hono';
import { z } from 'zod';
import { listOutbox } from '../../db/repositories/outbox.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { parseOrThrow } from '../validation.ts';

const outboxQuerySchema = z.object({
  accountId: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function outboxRoutes(deps: AppDeps) {
  return new Hono<ApiEnv>().get('/', async (c) => {
    const query = parseOrThrow(outboxQuerySchema, c.req.query());
    return c.json({ items: await listOutbox(deps.db, c.get('orgId'), query) });
  });
}
