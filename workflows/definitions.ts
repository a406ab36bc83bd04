// Messages, state and search attributes of the account workflow, shared by the worker and the API.
// Imports only workflow-safe modules so both sides can load it.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionCommand, ActionState } from '../domain/actions.ts';
import type { HealthTier } from '../domain/health.ts';
import type { LifecycleStatus } from '../domain/lifecycle.ts';

export const accountWorkflowId = (accountId: string): string => `account-${accountId}`;

export const SEARCH_ATTRIBUTES = {
  orgId: defineSearchAttributeKey('RelayOrgId', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('RelayStatus', SearchAttributeType.KEYWORD),
  company: defineSearchAttributeKey('RelayCompany', SearchAttributeType.TEXT),
  csmEmail: defineSearchAttributeKey('RelayCsmEmail', SearchAttributeType.KEYWORD),
} as const;

/** Every attribute above, for whatever registers them on a server (dev server flags, operator API). */
export const SEARCH_ATTRIBUTE_KEYS = Object.values(SEARCH_ATTRIBUTES);

export interface HandoffTiming {
  tokenTtlSeconds: number;
  reminderDelaysSeconds: number[];
  escalationDelaySeconds: number;
  /** How long an action's "hour" of delay is (seconds; default 3,600, tests shorten it). */
  actionHourSeconds?: number;
}

export interface CsmRef { userId: string; email: string; name: string }

export interface MilestoneState {
  id: string;
  sequence: number;
  name: string;
  status: 'pending' | 'in_progress' | 'completed';
}

export type HandoffPhase = 'preparing' | 'awaiting_ae' | 'submitted' | 'closed';

export interface LifecycleState {
  status: LifecycleStatus;
  csm: CsmRef | null;
  milestones: MilestoneState[];
  handoff: {
    phase: HandoffPhase;
    linkVersion: number;
    remindersSent: number;
    escalated: boolean;
    /** Workflow time (ms) when the first link went out; reminders count from here. */
    awaitingSince: number | null;
  };
  /** Counts every change the workflow made, so each projection gets a unique, replay-stable key. */
  revision: number;
  /**
   * What health scoring did to the account: whether the scorer (not a person) put it at risk, so a
   * recovery may move it back. Absent in runs that started before health scoring.
   */
  health?: { atRiskByHealth: boolean; lastTier: HealthTier | null };
  /** The playbook's actions of the milestones started so far (issue 12). Absent in runs from before it. */
  actions?: ActionState[];
}

export interface AccountLifecycleInput {
  orgId: string;
  accountId: string;
  timing: HandoffTiming;
  /** Continue-as-new once history passes this many events (tests lower it). */
  historyLimit?: number;
  /** Present after continue-as-new: the state carried over from the previous run. */
  carriedState?: LifecycleState;
}

export interface AccountLifecycleResult {
  status: LifecycleStatus;
  /** false when the transaction that started the run never stored the account (nothing was onboarded). */
  stored?: false;
}

/** The workflow's signature, for starting it by name without loading its code (the API, imports). */
export type AccountLifecycleWorkflow = (input: AccountLifecycleInput) => Promise<AccountLifecycleResult>;

/**
 * The reconciler (workflows/reconcileAccounts.ts) restarts account runs that ended while their
 * account was not finished. A Temporal Schedule of this ID starts it (platform/temporalClient.ts).
 */
export const RECONCILE_SCHEDULE_ID = 'relay-reconcile-accounts';

export interface ReconcileAccountsInput {
  /** At most this many stranded accounts per run; the rest wait for the next run. */
  limit?: number;
  /** Only this organisation's never-started accounts (the stranded search is kept to the run's task queue). */
  orgId?: string;
}

export interface ReconcileAccountsResult {
  /** Each stranded account the run looked at, and what became of it. */
  accounts: { accountId: string; outcome: 'restarted' | 'started' | 'needs_person' | 'skipped' | 'error' }[];
}

/** The reconciler's signature, for the schedule to start it by name. */
export type ReconcileAccountsWorkflow = (input?: ReconcileAccountsInput) => Promise<ReconcileAccountsResult>;

/**
 * Every update request may carry the wall-clock time (epoch ms) its caller stops waiting for it to
 * be accepted: the validator refuses it after that, so a request that waited out a worker outage
 * never applies after the caller was told nothing changed.
 */
export interface TimeBoundRequest { respondBy?: number }

/** The validator's refusal of a request that came too late; null while it may still be accepted. */
export function lateRequestError(request: TimeBoundRequest, now: number): string | null {
  return request.respondBy !== undefined && now > request.respondBy
    ? 'this request expired before Relay could take it up; nothing was changed'
    : null;
}

export interface SubmitHandoffRequest extends TimeBoundRequest {
  answers: { key: string; answer: string }[];
  csmUserId: string;
}

export interface SetStatusRequest extends TimeBoundRequest { status: LifecycleStatus; note?: string; actor: string }

export interface AssignCsmRequest extends TimeBoundRequest {
  csmEmail: string;
  actor: string;
  note?: string;
  notifyCsm?: boolean;
  notifyContact?: boolean;
}

export interface CompleteMilestoneRequest extends TimeBoundRequest { milestoneId: string; actor: string }

export interface ResendHandoffLinkRequest extends TimeBoundRequest { actor: string }

export const submitHandoffUpdate = defineUpdate<LifecycleState, [SubmitHandoffRequest]>('submitHandoff');
export const setStatusUpdate = defineUpdate<LifecycleState, [SetStatusRequest]>('setStatus');
export const assignCsmUpdate = defineUpdate<LifecycleState, [AssignCsmRequest]>('assignCsm');
export const completeMilestoneUpdate = defineUpdate<LifecycleState, [CompleteMilestoneRequest]>('completeMilestone');
export const resendHandoffLinkUpdate = defineUpdate<LifecycleState, [ResendHandoffLinkRequest]>('resendHandoffLink');
export interface ActionCommandRequest extends TimeBoundRequest {
  actionId: string;
  command: ActionCommand;
  actor: string;
  /** skip: why. */
  reason?: string;
  /** reschedule: the new time (epoch ms). */
  dueAt?: number;
  /** approve: the email as edited by the reviewer. */
  edits?: { subject: string; body: string };
}

export const actionCommandUpdate = defineUpdate<LifecycleState, [ActionCommandRequest]>('actionCommand');
export const stateQuery = defineQuery<LifecycleState>('state');

/**
 * From health scoring (services/health/scoring.ts): the account's score entered At risk or Critical
 * (from a better tier, or as its first score), or came back to Healthy. A signal, not an update: the
 * scorer does not wait, and the workflow decides: an active account moves to at_risk; one the scorer
 * put at risk moves back on recovery; one a person put at risk stays until a person moves it.
 */
export interface HealthChange {
  score: number;
  tier: HealthTier;
  previousTier: HealthTier | null;
  /** The organisation's day the score is for. */
  day: string;
  /** The factors that fell, in words (empty for a recovery). */
  reasons: string[];
}
export const healthChangedSignal = defineSignal<[HealthChange]>('healthChanged');

/**
 * The account's company name was edited (services/accountEdits.ts): the run's RelayCompany search
 * attribute follows, so ops find the run by the name the dashboard shows. The name is the account
 * record's (Postgres); the workflow keeps no copy of it in its state.
 */
export interface AccountRenamed { companyName: string }
export const accountRenamedSignal = defineSignal<[AccountRenamed]>('accountRenamed');

/**
 * Every ApplicationFailure type Relay's workflows and activities raise: the workflow's refusals of
 * an update, and the activities' failures. The API maps them to answers in one table
 * (services/workflowUpdates.ts); Temporal's UI shows them as the failure's type.
 */
export const FAILURE_TYPES = {
  // Refusals of an update by the workflow (the request came at the wrong time, or too late to be taken up).
  requestExpired: 'RequestExpired',
  handoffNotOpen: 'HandoffNotOpen',
  invalidTransition: 'InvalidTransition',
  milestoneNotOpen: 'MilestoneNotOpen',
  milestoneBlocked: 'MilestoneBlocked',
  actionNotOpen: 'ActionNotOpen',
  // Activities: the request names something that is not there.
  csmNotInOrganisation: 'CsmNotInOrganisation',
  handoffAlreadySubmitted: 'HandoffAlreadySubmitted',
  accountNotFound: 'AccountNotFound',
  accountNotStored: 'AccountNotStored',
  milestoneNotFound: 'MilestoneNotFound',
  // Activities: a record the workflow relies on is missing or unusable; retrying cannot help.
  templateVersionMissing: 'TemplateVersionMissing',
  handoffNotDrafted: 'HandoffNotDrafted',
  noHandoffRecipient: 'NoHandoffRecipient',
  importNotFound: 'ImportNotFound',
  // Connectors: the connection is gone, HubSpot refused the token, a record cannot be read, or a rate limit (retried after HubSpot's delay).
  connectionMissing: 'ConnectionMissing',
  connectorUnauthorized: 'ConnectorUnauthorized',
  connectorRecordRejected: 'ConnectorRecordRejected',
  connectorRateLimited: 'ConnectorRateLimited',
  // The database refused a statement (bad data, a broken constraint): the same statement fails again.
  databaseRejected: 'DatabaseRejected',
  // Providers: a rejection (not retried) or a passing failure (retried on the provider's schedule).
  emailRejected: 'EmailRejected',
  emailDeliveryFailed: 'EmailDeliveryFailed',
  handoffDraftingFailed: 'HandoffDraftingFailed',
  /** A playbook email's model failed in passing (retried on the drafting policy, then the rules draft it). */
  actionDraftingFailed: 'ActionDraftingFailed',
} as const;

export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];
