import { z } from 'zod';
import { ACCOUNT_HEALTH_FILTERS, ACCOUNT_LIST_MAX_PAGE_SIZE, ACCOUNT_SORTS, CSM_ANYONE } from '../domain/accountList.ts';
import { ACCOUNT_CRM_FILTERS } from '../domain/crmLinks.ts';
import { LIFECYCLE_STATUSES } from '../domain/lifecycle.ts';

/**
 * The accounts list's query string, shared by GET /api/accounts and the dashboard's /accounts so a
 * link means the same thing in both. A GET form sends empty fields as `name=`: those mean "not set".
 * Unknown parameters are ignored (links pick up tracking tags); a known one with a bad value is a 400.
 */
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const wholeNumber = (name: string, opts: { min: number; max: number }) => z.coerce
  .number({ error: `${name} must be a whole number` })
  .int(`${name} must be a whole number`)
  .min(opts.min, `${name} must be at least ${opts.min}`)
  .max(opts.max, `${name} must be at most ${opts.max}`);

const MAX_MONEY = 1_000_000_000_000;
const MAX_DAYS = 36_500;
const money = (name: string) => optional(wholeNumber(name, { min: 0, max: MAX_MONEY }));
const days = (name: string) => optional(wholeNumber(name, { min: 0, max: MAX_DAYS }));
const day = (name: string) => optional(z.iso.date({ error: `${name} must be a date (YYYY-MM-DD)` }));
const id = (name: string) => optional(z.string().trim().max(100, `${name} is too long`));

export const accountListQuerySchema = z.object({
  status: optional(z.enum(LIFECYCLE_STATUSES, { error: `status must be one of ${LIFECYCLE_STATUSES.join(', ')}` })),
  q: optional(z.string().trim().max(200, 'q is at most 200 characters')),
  arrMin: money('arrMin'),
  arrMax: money('arrMax'),
  mrrMin: money('mrrMin'),
  mrrMax: money('mrrMax'),
  template: id('template'),
  csm: id('csm'),
  activeWithin: days('activeWithin'),
  inactiveFor: days('inactiveFor'),
  activityFrom: day('activityFrom'),
  activityTo: day('activityTo'),
  tier: optional(z.enum(ACCOUNT_HEALTH_FILTERS, { error: `tier must be one of ${ACCOUNT_HEALTH_FILTERS.join(', ')}` })),
  scoreMin: optional(wholeNumber('scoreMin', { min: 0, max: 100 })),
  scoreMax: optional(wholeNumber('scoreMax', { min: 0, max: 100 })),
  /** linked | not_linked | sync_error: whether a CRM record links the account (issue 11). */
  crm: optional(z.enum(ACCOUNT_CRM_FILTERS, { error: `crm must be one of ${ACCOUNT_CRM_FILTERS.join(', ')}` })),
  /** true: only accounts behind their onboarding plan (an open milestone past its due day; issue 14). */
  behindPlan: optional(z.enum(['true', 'false'], { error: 'behindPlan must be true or false' }).transform((v) => v === 'true')),
  sort: optional(z.enum(ACCOUNT_SORTS, { error: `sort must be one of ${ACCOUNT_SORTS.join(', ')}` })),
  dir: optional(z.enum(['asc', 'desc'], { error: 'dir must be asc or desc' })),
  page: z.preprocess(blankToUndefined, wholeNumber('page', { min: 1, max: 1_000_000 }).default(1)),
  pageSize: z.preprocess(blankToUndefined, wholeNumber('pageSize', { min: 1, max: ACCOUNT_LIST_MAX_PAGE_SIZE }).default(25)),
}).superRefine((v, ctx) => {
  const ordered = (lo: number | string | undefined, hi: number | string | undefined, field: string, message: string) => {
    if (lo !== undefined && hi !== undefined && lo > hi) ctx.addIssue({ code: 'custom', path: [field], message });
  };
  ordered(v.arrMin, v.arrMax, 'arrMax', 'arrMax must not be below arrMin');
  ordered(v.mrrMin, v.mrrMax, 'mrrMax', 'mrrMax must not be below mrrMin');
  ordered(v.activityFrom, v.activityTo, 'activityTo', 'activityTo must not be before activityFrom');
  ordered(v.scoreMin, v.scoreMax, 'scoreMax', 'scoreMax must not be below scoreMin');
});

export type AccountListParams = z.infer<typeof accountListQuerySchema>;

/** The URL's names → the repository's query. */
export function toAccountListQuery(p: AccountListParams) {
  return {
    status: p.status, q: p.q, arrMin: p.arrMin, arrMax: p.arrMax, mrrMin: p.mrrMin, mrrMax: p.mrrMax,
    templateId: p.template, csm: p.csm === CSM_ANYONE ? undefined : p.csm, activeWithinDays: p.activeWithin, inactiveForDays: p.inactiveFor,
    activityFrom: p.activityFrom, activityTo: p.activityTo, healthTier: p.tier, scoreMin: p.scoreMin, scoreMax: p.scoreMax, crm: p.crm, behindPlan: p.behindPlan,
    sort: p.sort, dir: p.dir, page: p.page, pageSize: p.pageSize,
  };
}
