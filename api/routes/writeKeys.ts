import { Hono } from 'hono';
import { z } from 'zod';
import { listWriteKeys } from '../../db/repositories/organisations.ts';
import { createWriteKey, revokeOrganisationWriteKey } from '../../services/writeKeys.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { writeKeyCreatedResponse, writeKeyListResponse, writeKeyResponse } from '../responses.ts';
import { jsonBody, parseOrThrow } from '../validation.ts';

const createBodySchema = z.strictObject({ name: z.string().trim().min(1, { error: 'must not be empty' }).max(100).optional() });

/** Write keys for the ingestion endpoints: made here (the key answered once), listed without secrets, revoked. */
export function writeKeyRoutes(deps: AppDeps) {
  return new Hono<ApiEnv>()
    .post('/', async (c) => {
      // An empty body is fine: the key is named "write key".
      const raw = (await c.req.text()).trim() ? await jsonBody(c.req) : {};
      const body = parseOrThrow(createBodySchema, raw);
      const created = await createWriteKey(deps.db, c.get('orgId'), body.name ?? 'write key');
      return c.json(writeKeyCreatedResponse.parse(created), 201);
    })
    .get('/', async (c) => c.json(writeKeyListResponse.parse({ items: await listWriteKeys(deps.db, c.get('orgId')) })))
    .delete('/:id', async (c) => c.json(writeKeyResponse.parse(await revokeOrganisationWriteKey(deps.db, c.get('orgId'), c.req.param('id')))));
}
