import { Hono } from 'hono';
import { z } from 'zod';
import { FOLLOW_UP_LANES, type FollowUpItem } from '../../domain/followUp.ts';
import { loadOrganisationFollowUp } from '../../services/followUp.ts';
import type { ApiEnv, AppDeps } from '../deps.ts';
import { parseOrThrow } from '../validation.ts';

// Daily Follow-Up (issue 14) as JSON. An API key belongs to the organisation, not to a person: name
// the CSM by user ID or email, or `all`; nothing is dismissed or snoozed for a key.

const querySchema = z.strictObject({
  csm: z.string().trim().min(1, 'csm must be a user ID or email, or all').max(320, 'csm is at most 320 characters').optional(),
});

const itemResponse = z.object({
  key: z.string(), kind: z.string(), reason: z.string(), urgency: z.number(),
  account: z.object({ id: z.string(), name: z.string(), arr: z.number(), csmName: z.string().nullable() }),
  nextStep: z.object({ label: z.string(), path: z.string() }),
});
const followUpResponse = z.object({
  today: z.string(), timezone: z.string(),
  csm: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
  lanes: z.object(Object.fromEntries(FOLLOW_UP_LANES.map((lane) => [lane, z.array(itemResponse)])) as Record<(typeof FOLLOW_UP_LANES)[number], z.ZodArray<typeof itemResponse>>),
});

const asResponseItem = (i: FollowUpItem) => ({
  key: i.key, kind: i.kind, reason: i.reason, urgency: i.urgency,
  account: { id: i.accountId, name: i.accountName, arr: i.arr, csmName: i.csmName },
  nextStep: { label: i.nextStep.label, path: `/accounts/${encodeURIComponent(i.accountId)}${i.nextStep.anchor}` },
});

export function followUpApiRoutes(deps: AppDeps) {
  return new Hono<ApiEnv>().get('/', async (c) => {
    const query = parseOrThrow(querySchema, c.req.query());
    const view = await loadOrganisationFollowUp(deps.db, c.get('orgId'), query.csm ?? 'all');
    return c.json(followUpResponse.parse({
      today: view.today, timezone: view.timezone, csm: view.csm,
      lanes: { owe: view.lanes.owe.map(asResponseItem), news: view.lanes.news.map(asResponseItem), close: view.lanes.close.map(asResponseItem) },
    }));
  });
}
