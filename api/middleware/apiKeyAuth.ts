import type { MiddlewareHandler } from 'hono';
import { hashApiKey } from '../../domain/apiKeys.ts';
import type { Database } from '../../db/client.ts';
import { findOrgIdByApiKeyHash } from '../../db/repositories/organisations.ts';
import { addLogFields } from '../../platform/log.ts';
import { RelayError } from '../../services/errors.ts';



/** `Authorization: Bearer <key>` → the key's organisation, which every /api query is scoped to. */
export function apiKeyAuth(db: Database): MiddlewareHandler<{ Variables: { orgId: string } }> {
  return async function apiKeyAuthMiddleware(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new RelayError('unauthorized', 'an API key is required: Authorization: Bearer <key>');
    const orgId = await findOrgIdByApiKeyHash(db, hashApiKey(match[1]));
    if (!orgId) throw new RelayError('unauthorized', 'this API key is not valid');
    c.set('orgId', orgId);
    // Every log line of the request from here on names the organisation.
    addLogFields({ orgId });
    await next();
  };
}
