import { Hono } from 'hono';
import { z } from 'zod';
import { accountExists, getAccountDetail, listAccounts } from '../../db/repositories/accounts.ts';
import { listAccountActions } from '../../db/repositories/actions.ts';
import { accountCrmRecords } from '../../db/repositories/connectors.ts';
import { csmAssignmentSchema, statusChangeSchema } from '../../domain/accountChanges.ts';
import { accountEditVersion, editableAccountOf } from '../../domain/accountEdits.ts';
import {
  assignAccountCsm, changeAccountStatus, commandAccountAction, completeAccountMilestone, resendAccountHandoffLink,
} from '../../services/accountActions.ts';
import { editAccount } from '../../services/accountEdits.ts';
import { createAccount } from '../../services/createAccount.ts';
import { RelayError } from '../../services/errors.ts';
import { loadAccountHealth } from '../../services/health/accountHealth.ts';
import { pulseInputSchema, setPulse } from '../../services/health/pulse.ts';
import { accountListQuerySchema, toAccountListQuery } from '../accountListQuery.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import {
  acceptedResponse, actionListResponse, createdAccountResponse, csmAssignedResponse, handoffLinkResentResponse, milestoneCompletedResponse, pulseSetResponse,
  statusChangedResponse, toAccountDetailResponse, toAccountListResponse,
} from '../responses.ts';
import { idempotencyKeyOf, jsonBody, parseOrThrow } from '../validation.ts';

const statusBodySchema = statusChangeSchema.strict();
const csmBodySchema = csmAssignmentSchema.strict();

/** PATCH /api/accounts/:id answers the account as GET does, with its new edit version and what changed. */
const fieldValue = z.union([z.string(), z.number(), z.null(), z.array(z.string())]);
const accountEditedExtras = z.object({
  version: z.string(),
  changes: z.array(z.object({ field: z.string(), before: fieldValue, after: fieldValue })),
});

/** If-Match as sent (`"v"`, `W/"v"` or a bare token); `*` (any version) and none check nothing. */
function ifMatchVersion(header: string | undefined): string | undefined {
  const value = header?.trim();
  if (!value || value === '*') return undefined;
  const match = /^(?:W\/)?"?([A-Za-z0-9_-]{1,64})"?$/.exec(value);
  if (!match) throw new RelayError('validation', 'If-Match must be the ETag of GET /api/accounts/:id', { fields: [{ field: 'If-Match', message: 'not an ETag Relay gave' }] });
  return match[1];
}

export function accountRoutes(deps: AppDeps) {
  const app = new Hono<ApiEnv>();

  /** The API caller is an integration, not a person; it is named in the timeline as such. */
  const apiActor = 'api';
  const temporalUrl = (workflowId: string) => `${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${workflowId}`;

  return app
    .post('/', async (c) => {
      const created = await createAccount(deps, c.get('orgId'), await jsonBody(c.req));
      return c.json(createdAccountResponse.parse(created), 201);
    })
    .get('/', async (c) => {
      const params = parseOrThrow(accountListQuerySchema, c.req.query());
      return c.json(toAccountListResponse(await listAccounts(deps.db, c.get('orgId'), toAccountListQuery(params))));
    })
    .get('/:id', async (c) => {
      const detail = await getAccountDetail(deps.db, c.get('orgId'), c.req.param('id'));
      if (!detail) throw new RelayError('not_found', 'no such account');
      const health = await loadAccountHealth(deps.db, c.get('orgId'), detail.account.id);
      const crm = await accountCrmRecords(deps.db, c.get('orgId'), detail.account.id);
      // The edit version (PATCH's If-Match), from the fields and domains read here.
      c.header('ETag', `"${accountEditVersion(editableAccountOf(detail.account, detail.domains))}"`);
      return c.json(toAccountDetailResponse(detail, { temporalUrl: temporalUrl(detail.account.workflowId) }, health, crm));
    })
    // Editing the account's record (issue 14): a partial body, every bad field named at once; If-Match
    // (the ETag of GET /api/accounts/:id) refuses an edit made on a stale read with a 409.
    .patch('/:id', async (c) => {
      const expectedVersion = ifMatchVersion(c.req.header('if-match'));
      const edited = await editAccount(deps, c.get('orgId'), c.req.param('id'), await jsonBody(c.req), apiActor, { expectedVersion });
      const detail = await getAccountDetail(deps.db, c.get('orgId'), edited.id);
      if (!detail) throw new RelayError('not_found', 'no such account');
      const health = await loadAccountHealth(deps.db, c.get('orgId'), detail.account.id);
      const crm = await accountCrmRecords(deps.db, c.get('orgId'), detail.account.id);
      c.header('ETag', `"${edited.version}"`);
      return c.json({
        ...toAccountDetailResponse(detail, { temporalUrl: temporalUrl(detail.account.workflowId) }, health, crm),
        ...accountEditedExtras.parse({ version: edited.version, changes: edited.changes }),
      });
    })
    .post('/:id/pulse', async (c) => {
      const body = parseOrThrow(pulseInputSchema, await jsonBody(c.req));
      const pulse = await setPulse(deps.db, c.get('orgId'), c.req.param('id'), body, { userId: null, label: apiActor });
      return c.json(pulseSetResponse.parse({ pulse }), 201);
    })
    .post('/:id/status', async (c) => {
      const body = parseOrThrow(statusBodySchema, await jsonBody(c.req));
      const { id, state } = await changeAccountStatus(deps, c.get('orgId'), c.req.param('id'), body, apiActor, idempotencyKeyOf(c.req));
      if (!state) return c.json(acceptedResponse.parse({ id }), 202);
      return c.json(statusChangedResponse.parse({ id, status: state.status }));
    })
    .post('/:id/csm', async (c) => {
      const body = parseOrThrow(csmBodySchema, await jsonBody(c.req));
      const { id, state } = await assignAccountCsm(deps, c.get('orgId'), c.req.param('id'), body, apiActor, idempotencyKeyOf(c.req));
      if (!state) return c.json(acceptedResponse.parse({ id }), 202);
      return c.json(csmAssignedResponse.parse({ id, csm: state.csm }));
    })
    .post('/:id/milestones/:milestoneId/complete', async (c) => {
      const done = await completeAccountMilestone(deps, c.get('orgId'), c.req.param('id'), c.req.param('milestoneId'), apiActor, idempotencyKeyOf(c.req));
      if (!done.state) return c.json(acceptedResponse.parse({ id: done.id }), 202);
      return c.json(milestoneCompletedResponse.parse({
        id: done.id, status: done.state.status, milestones: done.state.milestones,
        milestoneProgress: done.progress, readyToComplete: done.readyToComplete,
      }));
    })
    .get('/:id/actions', async (c) => {
      const items = await listAccountActions(deps.db, c.get('orgId'), c.req.param('id'));
      if (!items.length && !await accountExists(deps.db, c.get('orgId'), c.req.param('id'))) throw new RelayError('not_found', 'no such account');
      return c.json(actionListResponse.parse({ items }));
    })
    .post('/:id/actions/:actionId/:command', async (c) => {
      const raw = (await c.req.text()).trim() ? await jsonBody(c.req) : {};
      const { id, state } = await commandAccountAction(deps, c.get('orgId'), c.req.param('id'), c.req.param('actionId'), c.req.param('command'), raw, apiActor, idempotencyKeyOf(c.req));
      if (!state) return c.json(acceptedResponse.parse({ id }), 202);
      return c.json(actionListResponse.parse({ items: await listAccountActions(deps.db, c.get('orgId'), id) }));
    })
    .post('/:id/handoff/resend', async (c) => {
      const { id, state } = await resendAccountHandoffLink(deps, c.get('orgId'), c.req.param('id'), apiActor, idempotencyKeyOf(c.req));
      if (!state) return c.json(acceptedResponse.parse({ id }), 202);
      return c.json(handoffLinkResentResponse.parse({ id, linkVersion: state.handoff.linkVersion }));
    });
}
