import { z } from 'zod';
import type { getAccountDetail, ListedAccount } from '../db/repositories/accounts.ts';
import type { AccountCrmRecord } from '../domain/crmLinks.ts';
import { ACTION_STATUSES } from '../domain/actions.ts';
import { HANDOFF_DRAFTERS, QUESTION_KINDS } from '../domain/handoffQuestions.ts';
import { ACTION_KINDS, FORM_FIELD_KINDS } from '../domain/templates.ts';
import { HEALTH_FACTOR_KEYS, HEALTH_TIERS, healthConfigSchema } from '../domain/health.ts';
import type { AccountHealthView } from '../services/health/accountHealth.ts';
import { LIFECYCLE_STATUSES } from '../domain/lifecycle.ts';

// What the JSON API answers, field by field. Each answer is built from a row and then parsed by its
// schema, which drops anything the schema does not name: an internal column added to a table
// (search text, organisation ID, tokens) never reaches a client by accident.

const timestamp = z.date().transform((d) => d.toISOString());
const status = z.enum(LIFECYCLE_STATUSES);
const milestoneStatus = z.enum(['pending', 'in_progress', 'completed']);
const csm = z.object({ id: z.string(), email: z.string(), name: z.string() });
const milestoneProgress = z.object({ completed: z.number().int(), total: z.number().int() });

/** A list row's health: null when the account has no current score (never scored, or nothing to go on). */
const listedHealth = z.object({
  score: z.number().int(),
  tier: z.enum(HEALTH_TIERS),
  /** The latest score against the one about 7 days before: 5 points or more is up or down; null with fewer than two days scored. */
  trend: z.object({ direction: z.enum(['up', 'down', 'flat']) }).nullable().transform((t) => t?.direction ?? null),
  /** Daily scores of the last 30 days, oldest first. */
  sparkline: z.array(z.object({ day: z.string(), score: z.number().int() })),
}).nullable();

export const accountListItemResponse = z.object({
  id: z.string(), companyName: z.string(), arr: z.number(), mrr: z.number(), status,
  primaryDomain: z.string().nullable(), primaryContactName: z.string(), primaryContactEmail: z.string(),
  csmUserId: z.string().nullable(), csmEmail: z.string().nullable(), csmName: z.string().nullable(),
  milestonesCompleted: z.number().int(), milestonesTotal: z.number().int(),
  lastActivityAt: timestamp, createdAt: timestamp,
  health: listedHealth,
  /** The account's CRM link as the list shows it (issue 11): linked, or a sync error in words; null when no CRM record links it. */
  crm: z.object({ provider: z.string(), state: z.enum(['linked', 'sync_error']), recordUrl: z.string().nullable(), problem: z.string().nullable() }).nullable(),
  /** Behind its onboarding plan (issue 14): open milestones past due and days since the oldest was due; null when on plan. */
  behindPlan: z.object({ overdueMilestones: z.number().int(), daysLate: z.number().int() }).nullable(),
});

export const accountListResponse = z.object({ items: z.array(accountListItemResponse), total: z.number().int() });

export function toAccountListResponse(list: { items: ListedAccount[]; total: number }) {
  return accountListResponse.parse(list);
}

const handoffAnswer = z.object({
  key: z.string(), question: z.string(), answer: z.string(), verified: z.boolean(),
  kind: z.enum(QUESTION_KINDS).optional(), required: z.boolean().optional(), help: z.string().optional(), options: z.array(z.string()).optional(),
});

const healthFactorKey = z.enum(HEALTH_FACTOR_KEYS);
const healthTier = z.enum(HEALTH_TIERS);

/** The account's latest health score with its "why": each factor's score, effective weight and inputs. */
export const accountHealthResponse = z.object({
  /** null when the scorer had nothing to go on (never 0). */
  score: z.number().int().nullable(),
  tier: healthTier.nullable(),
  computedAt: timestamp,
  configVersion: z.number().int(),
  factors: z.array(z.object({
    key: healthFactorKey, label: z.string(), score: z.number().int(),
    /** Effective share of the score in %, one decimal; the listed factors' add up to 100. */
    weight: z.number(),
    inputs: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
    band: z.string(), explanation: z.string(), toRaise: z.string().nullable(),
  })),
  excluded: z.array(z.object({ key: healthFactorKey, label: z.string(), reason: z.string() })),
  /** Daily scores over the last 90 days, oldest first. */
  history: z.array(z.object({ day: z.string(), score: z.number().int() })),
});

/** A CSM Pulse; `expiresOn` is the last day it counts in the score. */
export const pulseResponse = z.object({
  score: z.number().int(), note: z.string(), setBy: z.string(), setAt: timestamp, fresh: z.boolean(), expiresOn: z.string(),
});
/** 201 from POST /api/accounts/:id/pulse. */
export const pulseSetResponse = z.object({ pulse: pulseResponse });

/** A milestone's action as its template plans it (its live state is under GET /api/accounts/:id/actions). */
const milestonePlanAction = z.object({
  kind: z.enum(ACTION_KINDS), label: z.string(), description: z.string(), blocker: z.boolean(),
  trigger: z.union([z.object({ type: z.literal('milestone_start'), delayHours: z.number() }), z.object({ type: z.literal('manual') })]),
  autoSend: z.boolean().optional(), schedulingUrl: z.string().optional(),
  fields: z.array(z.object({
    key: z.string(), label: z.string(), kind: z.enum(FORM_FIELD_KINDS), required: z.boolean().optional(), help: z.string().optional(), options: z.array(z.string()).optional(),
  })).optional(),
});

export const accountDetailResponse = z.object({
  id: z.string(), companyName: z.string(), status,
  arr: z.number(), mrr: z.number(), closeDate: z.string(),
  primaryContactName: z.string(), primaryContactEmail: z.string(), primaryContactRole: z.string().nullable(),
  industry: z.string().nullable(), companySize: z.string().nullable(), website: z.string().nullable(),
  notes: z.string().nullable(), aeEmail: z.string().nullable(), rawPayload: z.string().nullable(),
  primaryDomain: z.string().nullable(),
  domains: z.array(z.object({ domain: z.string(), isPrimary: z.boolean() })),
  csm: csm.nullable(),
  // The template by its ID and version number; the version's row ID is internal.
  template: z.object({ id: z.string(), name: z.string(), version: z.number().int() }),
  milestones: z.array(z.object({
    id: z.string(), sequence: z.number().int(), name: z.string(), durationDays: z.number().int(), status: milestoneStatus,
    actions: z.array(milestonePlanAction), startedAt: timestamp.nullable(), completedAt: timestamp.nullable(),
    /** The day the onboarding plan has it due (YYYY-MM-DD); null until onboarding starts (issue 14). */
    dueOn: z.string().nullable(),
    /** Still open past its due day while the account is onboarding; `daysLate` counts the days (for a completed one, how late it finished). */
    overdue: z.boolean(), daysLate: z.number().int(),
  })),
  milestoneProgress,
  handoff: z.union([
    z.object({
      state: z.enum(['awaiting_ae', 'submitted']), drafter: z.enum(HANDOFF_DRAFTERS), qa: z.array(handoffAnswer),
      submittedAt: timestamp.nullable(), linkExpiresAt: timestamp.nullable(),
    }),
    z.object({ state: z.literal('preparing') }),
  ]),
  workflowId: z.string(),
  temporalUrl: z.string(),
  createdAt: timestamp, updatedAt: timestamp, lastActivityAt: timestamp,
  /** null until the account's first scoring. */
  health: accountHealthResponse.nullable(),
  /** The latest CSM Pulse, fresh or not; null when none was ever set. */
  pulse: pulseResponse.nullable(),
  /** The CRM records the account came from or was linked to (its HubSpot deal and company), with their last sync. */
  crm: z.array(z.object({
    provider: z.string(), externalId: z.string(), outcome: z.string(), recordUrl: z.string().nullable(), companyUrl: z.string().nullable(),
    reason: z.string().nullable(), syncedAt: timestamp,
  })),
});

type AccountDetail = NonNullable<Awaited<ReturnType<typeof getAccountDetail>>>;

export function toAccountDetailResponse(detail: AccountDetail, links: { temporalUrl: string }, health: AccountHealthView, crm: CrmLink[] = []) {
  const { account, csm: assigned, template, handoff, milestones, domains } = detail;
  return accountDetailResponse.parse({
    id: account.id, companyName: account.companyName, status: account.status,
    arr: account.arr, mrr: Math.round(account.arr / 12), closeDate: account.closeDate,
    primaryContactName: account.primaryContactName, primaryContactEmail: account.primaryContactEmail, primaryContactRole: account.primaryContactRole,
    industry: account.industry, companySize: account.companySize, website: account.website,
    notes: account.notes, aeEmail: account.aeEmail, rawPayload: account.rawPayload, primaryDomain: account.primaryDomain,
    domains,
    csm: assigned?.id ? assigned : null,
    template,
    milestones,
    milestoneProgress: { completed: milestones.filter((m) => m.status === 'completed').length, total: milestones.length },
    handoff: handoff?.drafter ? {
      state: handoff.submittedAt ? 'submitted' : 'awaiting_ae',
      drafter: handoff.drafter, qa: handoff.qa, submittedAt: handoff.submittedAt, linkExpiresAt: handoff.tokenExpiresAt,
    } : { state: 'preparing' },
    workflowId: account.workflowId,
    temporalUrl: links.temporalUrl,
    createdAt: account.createdAt, updatedAt: account.updatedAt, lastActivityAt: account.lastActivityAt,
    health: health.latest ? { ...health.latest, history: health.history } : null,
    pulse: health.pulse,
    crm,
  });
}

type CrmLink = AccountCrmRecord;

export const createdAccountResponse = z.object({ id: z.string(), status: z.literal('pending_handoff'), workflowId: z.string() });

/** 202: a worker accepted the change and is applying it (its projection waits for the database, say). */
export const acceptedResponse = z.object({ id: z.string() }).transform((a) => ({
  id: a.id, accepted: true as const, message: 'accepted: the change is being applied and will show shortly',
}));

export const statusChangedResponse = z.object({ id: z.string(), status });
export const csmAssignedResponse = z.object({ id: z.string(), csm: z.object({ userId: z.string(), email: z.string(), name: z.string() }).nullable() });
export const handoffLinkResentResponse = z.object({ id: z.string(), linkVersion: z.number().int() });
export const milestoneCompletedResponse = z.object({
  id: z.string(), status,
  milestones: z.array(z.object({ id: z.string(), sequence: z.number().int(), name: z.string(), status: milestoneStatus })),
  milestoneProgress, readyToComplete: z.boolean(),
});


// ---- events in ---------------------------------------------------------------------------------

const ingestCounts = {
  received: z.number().int(), stored: z.number().int(), duplicates: z.number().int(), matched: z.number().int(), unmatched: z.number().int(),
};
/** POST /api/events. */
export const eventsIngestedResponse = z.object(ingestCounts);
/** Segment's `/v1/*`: the `{ success: true }` Segment answers, with Relay's counts beside it. */
export const segmentIngestedResponse = z.object({ success: z.literal(true), ...ingestCounts });
/** PostHog's capture paths: the `{ status: 1 }` PostHog answers, with Relay's counts beside it. */
export const posthogIngestedResponse = z.object({ status: z.literal(1), ...ingestCounts });

export const unmatchedEventsResponse = z.object({
  items: z.array(z.object({
    kind: z.enum(['company', 'email', 'public', 'none']), domain: z.string().nullable(), events: z.number().int(),
    firstSeenAt: timestamp, lastSeenAt: timestamp,
  })),
  totalEvents: z.number().int(),
  totalDomains: z.number().int(),
});

const writeKey = z.object({ id: z.string(), name: z.string(), prefix: z.string(), createdAt: timestamp, revokedAt: timestamp.nullable() });
export const writeKeyResponse = writeKey;
/** 201: the key itself, this once. */
export const writeKeyCreatedResponse = writeKey.extend({ writeKey: z.string() });
export const writeKeyListResponse = z.object({ items: z.array(writeKey) });

// ---- health settings and scoring runs (api/routes/health.ts) ----
const healthConfigVersionNumber = z.number().int().min(0);
/** GET /api/health/config: the configuration in force (version 0: Relay's defaults), each factor's bands in words, saved versions newest first. */
export const healthConfigResponse = z.object({
  version: healthConfigVersionNumber, config: healthConfigSchema, createdAt: timestamp.nullable(),
  bands: z.record(z.string(), z.array(z.string())),
  versions: z.array(z.object({ version: healthConfigVersionNumber, createdAt: timestamp })),
});
/** PUT /api/health/config: the version in force after the save (unchanged when nothing changed) and whether the schedule follows yet. */
export const healthConfigSavedResponse = z.object({
  version: healthConfigVersionNumber, config: healthConfigSchema, changed: z.boolean(), schedule: z.enum(['applied', 'pending']), message: z.string(),
});
/** 202 from POST /api/health/runs. */
export const healthRunStartedResponse = z.object({ id: z.string() });
export const healthRunProgressResponse = z.object({
  status: z.enum(['running', 'completed']), scored: z.number().int(), total: z.number().int(), wentAtRisk: z.number().int(), recovered: z.number().int(),
});

// ---- connectors (never a token or a secret: the schemas list what may leave) ----------------------

const connectorSettings = z.object({
  portalId: z.string(), closedWonStageIds: z.array(z.string()), templateName: z.string(),
  pipelineTemplates: z.record(z.string(), z.string()), intervalMinutes: z.number(), auth: z.enum(['private_app', 'oauth']),
  // Notion (domain/notionConnector.ts NotionSettings): the database, the property mapping, the row filter.
  databaseId: z.string(), dataSourceId: z.string(), databaseTitle: z.string(), mapping: z.record(z.string(), z.string()),
  filter: z.object({ property: z.string(), equals: z.string() }).nullable(), templateProperty: z.string().nullable(),
}).partial().strip();

export const connectionResponse = z.object({
  id: z.string(), provider: z.string(), status: z.string(), externalAccountId: z.string(), settings: connectorSettings,
  cursor: z.string().nullable(), lastRunAt: z.date().nullable(), lastError: z.string().nullable(),
  counts: z.record(z.string(), z.number()),
  recentFailures: z.array(z.object({ externalId: z.string(), outcome: z.string(), reason: z.string().nullable(), recordUrl: z.string().nullable(), syncedAt: z.date() })),
  scheduleId: z.string(),
}).strip();

export const connectionListResponse = z.object({ items: z.array(connectionResponse) });

// ---- the playbook's actions (issue 12) -------------------------------------------------------------

export const actionListResponse = z.object({
  items: z.array(z.object({
    actionId: z.string(), milestoneId: z.string(), kind: z.string(), label: z.string(), status: z.enum(ACTION_STATUSES), blocker: z.boolean(),
    manual: z.boolean(), dueAt: timestamp.nullable(), draftSubject: z.string().nullable(), draftBody: z.string().nullable(),
    drafter: z.string().nullable(), outboxId: z.string().nullable(), note: z.string().nullable(), updatedAt: timestamp,
  }).strip()),
});
