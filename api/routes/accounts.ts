import { Hono } from 'hono';
import { z } from 'zod';
import { listAccounts } from '../../db/repositories/accounts.ts';
import { ACCOUNT_STATUSES } from '../../db/schema/index.ts';
import {
  assignAccountCsm, changeAccountStatus, completeAccountMilestone, requireAccountDetail, resendAccountHandoffLink,
} from '../../services/accountActions.ts';
import { createAccount } from '../../services/createAccount.ts';
import { accountListQuerySchema, toAccountListQuery } from '../accountListQuery.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { jsonBody, parseOrThrow } from '../validation.ts';

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

  /** The API caller is an integration, not a person; it is named in the timeline as such. */
  const apiActor = 'api';

  return app
    .post('/', async (c) => {
      const created = await createAccount(deps, c.get('orgId'), await jsonBody(c.req));
      return c.json(created, 201);
    })
    .get('/', async (c) => {
      const params = parseOrThrow(accountListQuerySchema, c.req.query());
      return c.json(await listAccounts(deps.db, c.get('orgId'), toAccountListQuery(params)));
    })
    .get('/:id', async (c) => {
      const detail = await requireAccountDetail(deps.db, c.get('orgId'), c.req.param('id'));
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
      const body = parseOrThrow(statusBodySchema, await jsonBody(c.req));
      const { account, state } = await changeAccountStatus(deps, c.get('orgId'), c.req.param('id'), body, apiActor);
      return c.json({ id: account.id, status: state.status });
    })
    .post('/:id/csm', async (c) => {
      const body = parseOrThrow(csmBodySchema, await jsonBody(c.req));
      const { account, state } = await assignAccountCsm(deps, c.get('orgId'), c.req.param('id'), body, apiActor);
      return c.json({ id: account.id, csm: state.csm });
    })
    .post('/:id/milestones/:milestoneId/complete', async (c) => {
      const done = await completeAccountMilestone(deps, c.get('orgId'), c.req.param('id'), c.req.param('milestoneId'), apiActor);
      return c.json({
        id: done.account.id, status: done.state.status, milestones: done.state.milestones,
        milestoneProgress: done.progress, readyToComplete: done.readyToComplete,
      });
    })
    .post('/:id/handoff/resend', async (c) => {
      const { account, state } = await resendAccountHandoffLink(deps, c.get('orgId'), c.req.param('id'), apiActor);
      return c.json({ id: account.id, linkVersion: state.handoff.linkVersion });
    });
}
