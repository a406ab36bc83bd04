import { Hono } from 'hono';
import { z } from 'zod';
import { currentHealthConfig, listHealthConfigVersions } from '../../db/repositories/health.ts';
import { describeBands, HEALTH_FACTOR_KEYS } from '../../domain/health.ts';
import { saveHealthConfig } from '../../services/health/config.ts';
import { healthRunProgress, startHealthRun } from '../../services/health/runs.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import {
  healthConfigResponse, healthConfigSavedResponse, healthRunProgressResponse, healthRunStartedResponse,
} from '../responses.ts';
import { jsonBody, parseOrThrow } from '../validation.ts';

/** A run's progress is a query of a running workflow: bounded, so a missing worker answers 503 instead of hanging. */
export const HEALTH_PROGRESS_WITHIN_MS = 5_000;

const runIdSchema = z.object({ id: z.string().min(1).max(200).regex(/^[\w.:-]+$/, { error: 'not a scoring run ID' }) });

/**
 * Health scoring over the JSON API (mounted at /api/health, beside the liveness route GET
 * /api/health, which stays unauthenticated): the configuration, one version per save, and
 * "score now" runs. Every route is scoped to the API key's organisation.
 */
export function healthRoutes(deps: AppDeps) {
  return new Hono<ApiEnv>()
    .get('/config', async (c) => {
      const orgId = c.get('orgId');
      const [current, versions] = await Promise.all([currentHealthConfig(deps.db, orgId), listHealthConfigVersions(deps.db, orgId)]);
      const bands = Object.fromEntries(HEALTH_FACTOR_KEYS.map((key) => [key, describeBands(key, current.config)]));
      return c.json(healthConfigResponse.parse({ ...current, bands, versions }));
    })
    .put('/config', async (c) => {
      const saved = await saveHealthConfig(deps, c.get('orgId'), await jsonBody(c.req), { userId: null });
      return c.json(healthConfigSavedResponse.parse(saved));
    })
    .post('/runs', async (c) => c.json(healthRunStartedResponse.parse(await startHealthRun(deps, c.get('orgId'))), 202))
    .get('/runs/:id', async (c) => {
      const { id } = parseOrThrow(runIdSchema, { id: c.req.param('id') });
      const progress = await deps.temporal.withDeadline(Date.now() + HEALTH_PROGRESS_WITHIN_MS, () => healthRunProgress(deps, c.get('orgId'), id));
      return c.json(healthRunProgressResponse.parse(progress));
    });
}
