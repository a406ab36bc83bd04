import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { currentHealthConfig, listHealthConfigVersions } from '../../../db/repositories/health.ts';
import { listWriteKeys } from '../../../db/repositories/organisations.ts';
import { RelayError } from '../../../services/errors.ts';
import { healthConfigSavedMessage, saveHealthConfig } from '../../../services/health/config.ts';
import { healthRunProgress, startHealthRun } from '../../../services/health/runs.ts';
import { createWriteKey, revokeOrganisationWriteKey } from '../../../services/writeKeys.ts';
import {
  applyHealthEditorOp, configCandidateFromValues, formValuesFromBody, formValuesFromConfig, parseHealthEditorOp,
  type HealthFormErrors, type HealthFormValues,
} from '../../../ui/components/settings/HealthSettingsForm.tsx';
import { HealthRunPage, HealthSettingsPage, type HealthSettingsFlash } from '../../../ui/pages/HealthSettingsPage.tsx';
import type { PageShell } from '../../../ui/pages/TemplatesPages.tsx';
import { WriteKeysPage } from '../../../ui/pages/WriteKeysPage.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { readFormBody } from '../../middleware/storableInput.ts';
import { HEALTH_PROGRESS_WITHIN_MS } from '../health.ts';

type Ctx = Context<DashboardEnv>;

/** What the notice after a save reads from its redirect: numbers and flags only, never text to show as is. */
const savedQuerySchema = z.object({
  saved: z.coerce.number().int().min(0),
  changed: z.enum(['0', '1']),
  schedule: z.enum(['applied', 'pending']),
});
const runQuerySchema = z.object({ run: z.string().regex(/^[\w.:-]{1,200}$/) });
const runIdSchema = z.object({ id: z.string().regex(/^[\w.:-]{1,200}$/, { error: 'not a scoring run ID' }) });

const writeKeyNameSchema = z.object({
  name: z.string().trim().max(100, { error: 'A name is at most 100 characters' }).transform((name) => name || 'write key'),
});

/**
 * The health score settings (`/settings/health`: weights, bands, schedule, "Score now" and a run's
 * progress) and the ingestion write keys (`/settings/write-keys`). Mounted inside the settings
 * router, behind its admin-only check; every read and write is scoped to the signed-in admin's
 * organisation.
 */
export function healthSettingsRoutes(deps: AppDeps) {
  const shell = (c: Ctx): PageShell => ({ viewer: c.get('user'), csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox });

  async function healthPage(c: Ctx, form: { values?: HealthFormValues; errors?: HealthFormErrors }, status: 200 | 400 | 422 | 503, flash?: HealthSettingsFlash) {
    const orgId = c.get('user').orgId;
    const [current, versions] = await Promise.all([currentHealthConfig(deps.db, orgId), listHealthConfigVersions(deps.db, orgId)]);
    return c.html(
      <HealthSettingsPage {...shell(c)} values={form.values ?? formValuesFromConfig(current.config)} errors={form.errors ?? {}}
        inForce={{ version: current.version, createdAt: current.createdAt }} versions={versions} {...(flash ? { flash } : {})} />,
      status,
    );
  }

  async function flashFromQuery(c: Ctx): Promise<HealthSettingsFlash | undefined> {
    const run = runQuerySchema.safeParse(c.req.query());
    if (run.success) {
      return { kind: 'ok', text: 'Scoring started: every account is being scored with the version in force.', link: { href: `/settings/health/runs/${encodeURIComponent(run.data.run)}`, text: 'See its progress' } };
    }
    const saved = savedQuerySchema.safeParse(c.req.query());
    if (!saved.success) return undefined;
    const { config } = await currentHealthConfig(deps.db, c.get('user').orgId);
    const text = healthConfigSavedMessage({ version: saved.data.saved, changed: saved.data.changed === '1', schedule: saved.data.schedule, hours: config.schedule });
    return { kind: saved.data.schedule === 'applied' ? 'ok' : 'error', text };
  }

  async function writeKeysPage(c: Ctx, opts: { created?: { name: string; writeKey: string }; name?: string; errors?: Record<string, string>; flash?: { kind: 'ok' | 'error'; text: string } }, status: 200 | 201 | 422) {
    const keys = await listWriteKeys(deps.db, c.get('user').orgId);
    return c.html(
      <WriteKeysPage {...shell(c)} keys={keys} host={deps.publicUrl} name={opts.name ?? ''} errors={opts.errors ?? {}}
        {...(opts.created ? { created: opts.created } : {})} {...(opts.flash ? { flash: opts.flash } : {})} />,
      status,
    );
  }

  return new Hono<DashboardEnv>()
    .get('/health', async (c) => healthPage(c, {}, 200, await flashFromQuery(c)))
    .post('/health', async (c) => {
      const { body, refused } = await readFormBody(c);
      const values = formValuesFromBody(body);
      const op = parseHealthEditorOp(body._op);
      if (!op) return healthPage(c, { values, errors: { form: 'That button is not part of this form. Nothing was saved.' } }, 400);
      // Text refused under the text rule: shown beside its field, whatever button was pressed.
      if (Object.keys(refused).length) return healthPage(c, { values, errors: refused }, 422);
      if (op.op !== 'save') return healthPage(c, { values: applyHealthEditorOp(values, op) }, 200);
      const user = c.get('user');
      try {
        const saved = await saveHealthConfig(deps, user.orgId, configCandidateFromValues(values), { userId: user.id });
        return c.redirect(`/settings/health?saved=${saved.version}&changed=${saved.changed ? 1 : 0}&schedule=${saved.schedule}`, 303);
      } catch (error) {
        if (!(error instanceof RelayError) || error.code !== 'validation') throw error;
        const errors: HealthFormErrors = {};
        for (const f of error.details.fields ?? []) errors[f.field] ??= f.message;
        return healthPage(c, { values, errors }, 422);
      }
    })
    .post('/health/score-now', async (c) => {
      try {
        const { id } = await startHealthRun(deps, c.get('user').orgId);
        return c.redirect(`/settings/health?run=${encodeURIComponent(id)}`, 303);
      } catch (error) {
        if (!(error instanceof RelayError) || error.code !== 'unavailable') throw error;
        return healthPage(c, {}, 503, { kind: 'error', text: error.message });
      }
    })
    .get('/health/runs/:id', async (c) => {
      const parsed = runIdSchema.safeParse({ id: c.req.param('id') });
      if (!parsed.success) throw new RelayError('not_found', 'no such health scoring run');
      const { id } = parsed.data;
      const progress = await deps.temporal.withDeadline(Date.now() + HEALTH_PROGRESS_WITHIN_MS, () => healthRunProgress(deps, c.get('user').orgId, id));
      return c.html(<HealthRunPage {...shell(c)} id={id} progress={progress} />);
    })
    .get('/write-keys', async (c) => {
      const revoked = c.req.query('revoked');
      const key = revoked ? (await listWriteKeys(deps.db, c.get('user').orgId)).find((k) => k.id === revoked && k.revokedAt) : undefined;
      return writeKeysPage(c, key ? { flash: { kind: 'ok', text: `Revoked "${key.name}" (${key.prefix}…): it no longer sends events.` } } : {}, 200);
    })
    .post('/write-keys', async (c) => {
      const { body, refused } = await readFormBody(c);
      const typed = typeof body.name === 'string' ? body.name : '';
      if (Object.keys(refused).length) return writeKeysPage(c, { name: typed, errors: refused }, 422);
      const parsed = writeKeyNameSchema.safeParse({ name: typed });
      if (!parsed.success) return writeKeysPage(c, { name: typed, errors: { name: parsed.error.issues[0]?.message ?? 'Check the name' } }, 422);
      const created = await createWriteKey(deps.db, c.get('user').orgId, parsed.data.name);
      // The key is on this answer only: not cached, and nowhere to come back to.
      c.header('Cache-Control', 'no-store');
      return writeKeysPage(c, { created: { name: created.name, writeKey: created.writeKey } }, 201);
    })
    .post('/write-keys/:id/revoke', async (c) => {
      const revoked = await revokeOrganisationWriteKey(deps.db, c.get('user').orgId, c.req.param('id'));
      return c.redirect(`/settings/write-keys?revoked=${encodeURIComponent(revoked.id)}`, 303);
    });
}
