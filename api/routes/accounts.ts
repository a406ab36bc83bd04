import { Hono } from 'hono';
import { z } from 'zod';
import { getAccountDetail, listAccounts } from '../../db/repositories/accounts.ts';
import { ACCOUNT_STATUSES } from '../../db/schema/index.ts';
import { createAccount } from '../../services/createAccount.ts';
import { RelayError } from '../../services/errors.ts';
import {
  assignCsmUpdate, completeMilestoneUpdate, resendHandoffLinkUpdate, setStatusUpdate,
} from '../../workflows/definitions.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { jsonBody, parseOrThrow } from '../validation.ts';
import { updateAccountWorkflow } from '../workflowUpdates.ts';

const listQuerySchema = z.object({
  status: z.enum(ACCOUNT_STATUSES, { error: `status must be one of ${ACCOUNT_STATUSES.join(', ')}` }).optional(),
  q: z.string().trim().max(200).optional().transform((v) => v || undefined),
  page: z.coerce.number({ error: 'page must be a whole number' }).int('page must be a whole number').min(1, 'page starts at 1').default(1),
  pageSize: z.coerce.number({ error: 'pageSize must be a whole number' }).int('pageSize must be a whole number').min(1).max(200, 'pageSize is at most 200').default(25),
});

const statusBodySchema = z.object({
  status: z.enum(ACCOUNT_STATUSES, { error: `status must be one of ${ACCOUNT_STATUSES.join(', ')}` }),
  note: z.string().trim().max(5000).optional().transform((v) => v || undefined),
}).strict();

const csmBodySchema = z.object({
  csmEmail: z.string().trim().toLowerCase().pipe(z.email('csmEmail must be an email')),
  note: z.string().trim().max(5000).optional().transform((v) => v || undefined),
  notifyCsm: z.boolean().optional(),
  notifyContact: z.boolean().optional(),
}).strict();

export function accountRoutes(deps: AppDeps) {
  const app = new Hono<ApiEnv>();

  async function requireAccount(orgId: string, id: string) {
    const detail = await getAccountDetail(deps.db, orgId, id);
    if (!detail) throw new RelayError('not_found', 'no such account');
    return detail;
  }

  /** The API caller is an integration, not a person; it is named in the timeline as such. */
  const apiActor = 'api';

  return app
    .post('/', async (c) => {
      const created = await createAccount(deps, c.get('orgId'), await jsonBody(c.req));
      return c.json(created, 201);
    })
    .get('/', async (c) => {
      const query = parseOrThrow(listQuerySchema, c.req.query());
      return c.json(await listAccounts(deps.db, c.get('orgId'), query));
    })
    .get('/:id', async (c) => {
      const detail = await requireAccount(c.get('orgId'), c.req.param('id'));
      const { account, csm, template, handoff, milestones, domains } = detail;
      return c.json({
        ...account,
        mrr: Math.round(account.arr / 12),
        domains,
        csm: csm?.id ? csm : null,
        template,
        milestones: milestones.map((m) => ({ id: m.id, sequence: m.sequence, name: m.name, durationDays: m.durationDays, status: m.status, actions: m.actions, startedAt: m.startedAt, completedAt: m.completedAt })),
        milestoneProgress: { completed: milestones.filter((m) => m.status === 'completed').length, total: milestones.length },
        handoff: handoff?.drafter ? {
          state: handoff.submittedAt ? 'submitted' : 'awaiting_ae',
          drafter: handoff.drafter, qa: handoff.qa, submittedAt: handoff.submittedAt, linkExpiresAt: handoff.tokenExpiresAt,
        } : { state: 'preparing' },
        temporalUrl: `${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${account.workflowId}`,
      });
    })
    .post('/:id/status', async (c) => {
      const { account } = await requireAccount(c.get('orgId'), c.req.param('id'));
      const body = parseOrThrow(statusBodySchema, await jsonBody(c.req));
      const state = await updateAccountWorkflow(deps.temporal, account.workflowId, setStatusUpdate, { ...body, actor: apiActor });
      return c.json({ id: account.id, status: state.status });
    })
    .post('/:id/csm', async (c) => {
      const { account } = await requireAccount(c.get('orgId'), c.req.param('id'));
      const body = parseOrThrow(csmBodySchema, await jsonBody(c.req));
      const state = await updateAccountWorkflow(deps.temporal, account.workflowId, assignCsmUpdate, { ...body, actor: apiActor });
      return c.json({ id: account.id, csm: state.csm });
    })
    .post('/:id/milestones/:milestoneId/complete', async (c) => {
      const { account, milestones } = await requireAccount(c.get('orgId'), c.req.param('id'));
      const milestoneId = c.req.param('milestoneId');
      if (!milestones.some((m) => m.id === milestoneId)) throw new RelayError('not_found', 'no such milestone on this account');
      const state = await updateAccountWorkflow(deps.temporal, account.workflowId, completeMilestoneUpdate, { milestoneId, actor: apiActor });
      const completed = state.milestones.filter((m) => m.status === 'completed').length;
      return c.json({
        id: account.id, status: state.status, milestones: state.milestones,
        milestoneProgress: { completed, total: state.milestones.length },
        /** SPEC §2: finishing the last milestone offers completion; it does not impose it. */
        readyToComplete: completed === state.milestones.length,
      });
    })
    .post('/:id/handoff/resend', async (c) => {
      const { account } = await requireAccount(c.get('orgId'), c.req.param('id'));
      const state = await updateAccountWorkflow(deps.temporal, account.workflowId, resendHandoffLinkUpdate, { actor: apiActor });
      return c.json({ id: account.id, linkVersion: state.handoff.linkVersion });
    });
}
