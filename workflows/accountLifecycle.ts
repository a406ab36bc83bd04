import {
  ActivityFailure, ApplicationFailure, allHandlersFinished, condition, continueAsNew, log, patched, proxyActivities, proxyLocalActivities, setHandler,
  upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';
import { actionCommandError, actionsForMilestone, openBlockers, type ActionState } from '../domain/actions.ts';
import { HEALTH_TIER_LABELS, isBadTier } from '../domain/healthTiers.ts';
import { canWorkMilestones, isTerminal, manualTransitionError, type LifecycleStatus } from '../domain/lifecycle.ts';
import {
  accountRenamedSignal, actionCommandUpdate, assignCsmUpdate, completeMilestoneUpdate, FAILURE_TYPES, healthChangedSignal, resendHandoffLinkUpdate, SEARCH_ATTRIBUTES, setStatusUpdate,
  lateRequestError, stateQuery, submitHandoffUpdate, type AccountLifecycleInput, type AccountLifecycleResult, type LifecycleState,
  type TimeBoundRequest,
} from './definitions.ts';
import { createSerializer } from './serialized.ts';

type Activities = ReturnType<typeof createActivities>;

// Retry policies never give up on a database outage, however long: an account waits for the database
// instead of failing its run. What retrying cannot fix (the database refusing the data, a missing
// record) the activities raise as non-retryable failures, which the workflow handles below.
const projections = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});

// The API commits the account before it starts the run, but a start it could not confirm takes the
// account back (and runs started by older API versions, inside the transaction, could read before
// the commit): the row may come a moment late or never (AccountNotStored, raised once the database
// answers and the row is still missing after the grace period).
const firstRead = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});

// The run's first step, a database write only, as a local activity (issue 13): no round trip through
// the Temporal server. Retried in the worker like the projections, never giving up on an outage (past a
// minute the worker waits on a server timer); AccountNotStored and a missing template are final.
const firstStep = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});

const drafting = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // The activity heartbeats while it waits for the model, so a crashed worker costs seconds, not minutes.
  heartbeatTimeout: '10 seconds',
  // No attempt limit: the activity itself falls back to the rule-based drafter after five failed
  // provider attempts (activities/handoffDrafting.ts), while a database outage is simply waited out.
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

// A playbook email drafted by the model: attempts of its own, backing off, heartbeating while the model
// writes. A failure no retry can fix, or the last attempt, makes the activity draft by the rules itself;
// an activity that still fails for good (a database outage outlasting the attempts) leaves the draft to
// the rule-based activity below, on the projections' policy: an email is never left undrafted.
const actionDrafting = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** A milestone's open blockers, named, for the refusal and the API's 409. */
const blockedMessage = (blockers: ActionState[]): string =>
  `this milestone cannot be completed while its blocker${blockers.length === 1 ? '' : 's'} ${blockers.map((b) => `"${b.label}"`).join(', ')} ${blockers.length === 1 ? 'is' : 'are'} open`;

/**
 * The failure's type when an activity failed for good (not retried any more), else null. A local
 * activity's failure can reach the workflow as the ApplicationFailure itself, without the
 * ActivityFailure around it.
 */
function finalFailureType(error: unknown): string | null {
  if (error instanceof ActivityFailure) return error.cause instanceof ApplicationFailure ? error.cause.type ?? null : null;
  return error instanceof ApplicationFailure ? error.type ?? null : null;
}

const DEFAULT_HISTORY_LIMIT = 10_000;

/**
 * Changes to this workflow that alter the commands it issues, each guarded by `patched(id)` so runs
 * that started before keep replaying (README: Changing workflow code). Remove one with
 * `deprecatePatch` once no run older than it is open.
 */
const PATCHES = {
  /** 2026-11: a status change is projected before the run changes status (was: after, with no way back). */
  projectStatusFirst: 'project-status-first',
  /** 2026-11: health scoring's signal moves an active account to at_risk, and back on recovery (issue 10). */
  healthMovesStatus: 'health-moves-status',
  /** 2026-11: a started milestone's playbook actions run (drafts, emails, durable timers), and blockers hold it (issue 12). */
  actionsEngine: 'actions-engine',
  /** 2026-11: a playbook email is drafted by the model (its own retry policy), the rules as fallback (issue 12). */
  actionsAiDraft: 'actions-ai-draft',
  /** 2026-11: the account's creation and its milestones are one local activity (issue 13: fewer server round trips). */
  localFirstStep: 'local-first-step',
} as const;

/**
 * One account's whole life: record → milestones → handoff draft → AE link → wait for the AE (with
 * reminders and an escalation) → onboarding until completed or churned. The single writer of the
 * account's lifecycle state; every change is projected into Postgres by an activity.
 */
export async function accountLifecycle(input: AccountLifecycleInput): Promise<AccountLifecycleResult> {
  const { orgId, accountId, timing } = input;
  const workflowId = workflowInfo().workflowId;
  const state: LifecycleState = input.carriedState ?? {
    status: 'pending_handoff',
    csm: null,
    milestones: [],
    handoff: { phase: 'preparing', linkVersion: 0, remindersSent: 0, escalated: false, awaitingSince: null },
    revision: 0,
  };
  const serialized = createSerializer();
  /** A key unique to this change of this account, stable across replays and retries. */
  const stepKey = (step: string): string => `${workflowId}:${state.revision}:${step}`;

  async function moveTo(to: LifecycleStatus, actor: string, note?: string): Promise<void> {
    const from = state.status;
    if (patched(PATCHES.projectStatusFirst)) {
      // The database takes the change first; only then does the run (and its search attribute)
      // change status. A refusal leaves both as they were, and nothing waiting on the status (the
      // handoff wait, the end of the run) ever sees a status that did not happen.
      const revision = state.revision + 1;
      await projections.projectStatus({ orgId, accountId, from, to, actor, note, eventKey: `${workflowId}:${revision}:status` });
      state.status = to;
      state.revision = revision;
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: to }]);
      return;
    }
    state.status = to;
    state.revision += 1;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: to }]);
    try {
      await projections.projectStatus({ orgId, accountId, from, to, actor, note, eventKey: stepKey('status') });
    } catch (error) {
      // The database refused the change for good: the account keeps the status the database has,
      // so Temporal and Postgres agree, and the update fails with the reason.
      state.status = from;
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: from }]);
      throw error;
    }
  }

  async function startNextMilestone(actor: string): Promise<void> {
    if (state.milestones.some((m) => m.status === 'in_progress')) return;
    const next = state.milestones.find((m) => m.status === 'pending');
    if (!next) return;
    next.status = 'in_progress';
    state.revision += 1;
    try {
      await projections.recordMilestoneStarted({ orgId, accountId, milestoneId: next.id, actor, eventKey: stepKey('milestone-start') });
    } catch (error) {
      next.status = 'pending';
      throw error;
    }
    if (patched(PATCHES.actionsEngine)) {
      try {
        await startMilestoneActions(next.id, actor);
      } catch (error) {
        // The milestone has started either way; actions that could not be read or projected (a
        // refusal retrying cannot fix) must not fail the change that started it.
        log.warn('a milestone\'s playbook actions could not start', { accountId, milestoneId: next.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  // ---- the playbook's actions (issue 12) ---------------------------------------------------------

  const hourMs = (timing.actionHourSeconds ?? 3600) * 1000;
  /** Bumped when an action's time may have moved (new actions, a reschedule): the main loop sets its timer again. */
  let actionsWake = 0;

  async function projectActionChange(actions: ActionState[], message: string, actor: string): Promise<void> {
    state.revision += 1;
    await projections.projectActions({ orgId, accountId, actions, change: { message, actor, eventKey: stepKey('action') } });
  }

  async function startMilestoneActions(milestoneId: string, actor: string): Promise<void> {
    const fresh = actionsForMilestone(milestoneId, await projections.loadMilestoneActions({ orgId, accountId, milestoneId }), Date.now(), hourMs);
    if (!fresh.length) return;
    state.actions = [...(state.actions ?? []), ...fresh];
    await projectActionChange(fresh, `Playbook: ${fresh.map((a) => `"${a.label}"`).join(', ')} scheduled`, actor);
    actionsWake += 1;
  }

  /** Sends an email action once (its key is the action's, whatever the retries): executed, with the outbox row. */
  async function sendAction(action: ActionState, actor: string, edits?: { subject: string; body: string }): Promise<void> {
    const sent = await projections.sendActionEmail({ orgId, accountId, action, edits, idempotencyKey: `${workflowId}:action:${action.id}:send` });
    if (sent.rejectedBecause) {
      action.note = `not delivered: ${sent.rejectedBecause}`;
      await projectActionChange([action], `"${action.label}" was not delivered: ${sent.rejectedBecause}`, actor);
      return;
    }
    action.status = 'executed';
    action.note = null;
    await projectActionChange([action], `"${action.label}" sent`, actor);
  }

  /** The email's draft: by the model when one is configured, else (or when it fails for good) by the rules. */
  async function draftActionEmail(action: ActionState): Promise<void> {
    if (!patched(PATCHES.actionsAiDraft)) {
      await projections.draftActionEmail({ orgId, accountId, action });
      return;
    }
    try {
      await actionDrafting.draftActionEmailWithAi({ orgId, accountId, action });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.warn('a playbook email could not be drafted by the model; drafting it by the rules', { accountId, actionId: action.id, error: error.cause?.message ?? error.message });
      await projections.draftActionEmail({ orgId, accountId, action });
    }
  }

  /** An action's time came (or a person ran it): an email is drafted, and sent at once if set to; anything else is open for a person. */
  async function fireAction(action: ActionState, actor: string): Promise<void> {
    if (action.kind === 'email') {
      await draftActionEmail(action);
      if (action.autoSend) {
        await sendAction(action, actor);
        return;
      }
      action.status = 'review_pending';
      await projectActionChange([action], `"${action.label}" drafted; waiting for review`, actor);
      return;
    }
    action.status = 'ready';
    await projectActionChange([action], `"${action.label}" is ready`, actor);
  }

  /** The earliest time a pending timed action is due, while onboarding is under way; null when none. */
  function nextActionDue(): number | null {
    if (!canWorkMilestones(state.status)) return null;
    let next: number | null = null;
    for (const a of state.actions ?? []) if (a.status === 'pending' && a.dueAt !== null && (next === null || a.dueAt < next)) next = a.dueAt;
    return next;
  }

  async function fireDueActions(): Promise<void> {
    for (const action of state.actions ?? []) {
      if (action.status !== 'pending' || action.dueAt === null || action.dueAt > Date.now() || !canWorkMilestones(state.status)) continue;
      try {
        await fireAction(action, 'relay');
      } catch (error) {
        // A refusal retrying cannot fix (the database refused the draft, say): the action waits for a person.
        action.status = 'ready';
        action.note = `could not run by itself: ${error instanceof Error ? error.message : String(error)}`;
        log.warn('a playbook action could not run', { accountId, actionId: action.id, error: action.note });
      }
    }
  }

  async function sendHandoffLink(kind: 'handoff_link' | 'handoff_reminder'): Promise<void> {
    state.revision += 1;
    await projections.sendHandoffLink({
      orgId, accountId, kind, linkVersion: state.handoff.linkVersion, tokenTtlSeconds: timing.tokenTtlSeconds,
      idempotencyKey: stepKey(kind),
    });
  }

  /** Validators run only when an update arrives, never on replay, so reading the clock here is safe. */
  function refuseLate(request: TimeBoundRequest): void {
    const late = lateRequestError(request, Date.now());
    if (late) throw ApplicationFailure.create({ type: FAILURE_TYPES.requestExpired, message: late, nonRetryable: true });
  }

  setHandler(stateQuery, () => state);

  setHandler(submitHandoffUpdate, (request) => serialized(async () => {
    if (state.handoff.phase !== 'awaiting_ae') {
      throw ApplicationFailure.create({ type: FAILURE_TYPES.handoffNotOpen, message: 'this handoff is no longer open', nonRetryable: true });
    }
    const csm = await projections.recordHandoffSubmission({ orgId, accountId, answers: request.answers, csmUserId: request.csmUserId });
    state.handoff.phase = 'submitted';
    state.csm = csm;
    state.revision += 1;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.csmEmail, value: csm.email }]);
    await projections.assignCsm({
      orgId, accountId, csmUserId: csm.userId, actor: 'handoff', notifyCsm: true, notifyContact: false,
      note: 'Assigned by the AE in the handoff', eventKey: stepKey('assign-csm'),
    });
    await moveTo('active', 'handoff', 'Handoff submitted by the AE');
    await startNextMilestone('handoff');
    return state;
  }), {
    validator: (request) => {
      refuseLate(request);
      if (state.handoff.phase === 'submitted' || state.status !== 'pending_handoff') throw new Error('this handoff has already been submitted');
      if (state.handoff.phase !== 'awaiting_ae') throw new Error('this handoff is not open yet');
      if (!request.csmUserId) throw new Error('csmUserId is required');
    },
  });

  setHandler(setStatusUpdate, (request) => serialized(async () => {
    const refusal = manualTransitionError(state.status, request.status);
    if (refusal) throw ApplicationFailure.create({ type: FAILURE_TYPES.invalidTransition, message: refusal, nonRetryable: true });
    const closesHandoff = state.status === 'pending_handoff';
    if (!patched(PATCHES.projectStatusFirst)) {
      if (closesHandoff) state.handoff.phase = 'closed';
      await moveTo(request.status, request.actor, request.note);
      return state;
    }
    await moveTo(request.status, request.actor, request.note);
    if (closesHandoff) state.handoff.phase = 'closed';
    // A person decided: a later recovery of the score does not undo their call.
    if (state.health) state.health.atRiskByHealth = false;
    return state;
  }), {
    validator: (request) => {
      refuseLate(request);
      const refusal = manualTransitionError(state.status, request.status);
      if (refusal) throw new Error(refusal);
    },
  });

  setHandler(assignCsmUpdate, (request) => serialized(async () => {
    state.revision += 1;
    const csm = await projections.assignCsm({
      orgId, accountId, csmEmail: request.csmEmail, actor: request.actor, note: request.note,
      notifyCsm: request.notifyCsm ?? true, notifyContact: request.notifyContact ?? false,
      eventKey: stepKey('assign-csm'),
    });
    state.csm = csm;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.csmEmail, value: csm.email }]);
    return state;
  }), {
    validator: (request) => {
      refuseLate(request);
      if (isTerminal(state.status)) throw new Error(`the account is ${state.status}; its lifecycle has ended`);
    },
  });

  setHandler(completeMilestoneUpdate, (request) => serialized(async () => {
    const milestone = state.milestones.find((m) => m.id === request.milestoneId);
    if (!milestone || milestone.status === 'completed' || !canWorkMilestones(state.status)) {
      throw ApplicationFailure.create({ type: FAILURE_TYPES.milestoneNotOpen, message: 'this milestone cannot be completed now', nonRetryable: true });
    }
    const blockers = openBlockers(state.actions, milestone.id);
    if (blockers.length) throw ApplicationFailure.create({ type: FAILURE_TYPES.milestoneBlocked, message: blockedMessage(blockers), nonRetryable: true });
    milestone.status = 'completed';
    state.revision += 1;
    try {
      await projections.recordMilestoneCompleted({ orgId, accountId, milestoneId: milestone.id, actor: request.actor, eventKey: stepKey('milestone-complete') });
    } catch (error) {
      milestone.status = 'in_progress';
      throw error;
    }
    await startNextMilestone(request.actor);
    return state;
  }), {
    validator: (request) => {
      refuseLate(request);
      if (!canWorkMilestones(state.status)) throw new Error(`milestones can be completed only while the account is active or at risk (it is ${state.status})`);
      const milestone = state.milestones.find((m) => m.id === request.milestoneId);
      if (!milestone) throw new Error('no such milestone on this account');
      if (milestone.status === 'completed') throw new Error('this milestone is already completed');
      const blockers = openBlockers(state.actions, milestone.id);
      if (blockers.length) throw new Error(blockedMessage(blockers));
    },
  });

  setHandler(actionCommandUpdate, (request) => serialized(async () => {
    const action = (state.actions ?? []).find((a) => a.id === request.actionId);
    const refusal = action ? actionCommandError(action, request.command) : 'no such action on this account';
    if (!action || refusal) throw ApplicationFailure.create({ type: FAILURE_TYPES.actionNotOpen, message: refusal ?? 'no such action', nonRetryable: true });
    switch (request.command) {
      case 'approve':
        await sendAction(action, request.actor, request.edits);
        break;
      case 'run':
        await fireAction(action, request.actor);
        break;
      case 'skip':
        action.status = 'skipped';
        action.note = request.reason ?? null;
        await projectActionChange([action], `"${action.label}" skipped: ${request.reason ?? 'no reason given'}`, request.actor);
        break;
      case 'reschedule':
        action.dueAt = request.dueAt ?? action.dueAt;
        await projectActionChange([action], `"${action.label}" rescheduled to ${new Date(action.dueAt ?? 0).toISOString()}`, request.actor);
        actionsWake += 1;
        break;
      case 'complete':
        action.status = 'completed';
        await projectActionChange([action], `"${action.label}" completed`, request.actor);
        break;
    }
    return state;
  }), {
    validator: (request) => {
      refuseLate(request);
      const action = (state.actions ?? []).find((a) => a.id === request.actionId);
      if (!action) throw new Error('no such action on this account');
      if (!canWorkMilestones(state.status)) throw new Error(`actions can be worked only while the account is active or at risk (it is ${state.status})`);
      const refusal = actionCommandError(action, request.command);
      if (refusal) throw new Error(refusal);
      if (request.command === 'skip' && !request.reason?.trim()) throw new Error('say why the action is skipped');
      if (request.command === 'reschedule' && !(typeof request.dueAt === 'number' && request.dueAt > 0)) throw new Error('a new time is required');
    },
  });

  setHandler(resendHandoffLinkUpdate, (_request) => serialized(async () => {
    if (state.handoff.phase !== 'awaiting_ae') {
      throw ApplicationFailure.create({ type: FAILURE_TYPES.handoffNotOpen, message: 'this handoff is no longer open', nonRetryable: true });
    }
    state.handoff.linkVersion += 1;
    await sendHandoffLink('handoff_link');
    return state;
  }), {
    validator: (request) => {
      refuseLate(request);
      if (state.handoff.phase !== 'awaiting_ae') throw new Error('only an open handoff can get a new link');
    },
  });

  setHandler(healthChangedSignal, (change) => serialized(async () => {
    // Runs that started before health scoring get the signal too; the marker keeps their replays exact.
    if (!patched(PATCHES.healthMovesStatus)) return;
    const health = (state.health ??= { atRiskByHealth: false, lastTier: null });
    health.lastTier = change.tier;
    const label = `${change.score} (${HEALTH_TIER_LABELS[change.tier]})`;
    const noteOnly = (message: string) => projections.recordHealthChange({
      orgId, accountId, message, eventKey: `${workflowId}:${state.revision}:health:${change.day}:${change.tier}`,
      data: { score: change.score, tier: change.tier, previousTier: change.previousTier, reasons: change.reasons },
    });
    try {
      if (isBadTier(change.tier)) {
        if (state.status === 'at_risk') {
          await noteOnly(`Health fell to ${label}; the account was already at risk.${change.reasons.length ? ` ${change.reasons.join('; ')}` : ''}`);
          return;
        }
        if (state.status !== 'active') return;
        await moveTo('at_risk', 'health', `Health fell to ${label}.${change.reasons.length ? ` ${change.reasons.join('; ')}` : ''}`);
        health.atRiskByHealth = true;
        await projections.sendHealthAlert({
          orgId, accountId, score: change.score, tier: change.tier, reasons: change.reasons, idempotencyKey: stepKey('health-alert'),
        });
        return;
      }
      if (change.tier !== 'healthy' || state.status !== 'at_risk') return;
      if (health.atRiskByHealth) {
        await moveTo('active', 'health', `Health recovered to ${label}; Relay had moved this account to at risk, so it is active again.`);
        health.atRiskByHealth = false;
      } else {
        await noteOnly(`Health recovered to ${label}. A person put this account at risk, so it stays at risk until a person moves it.`);
      }
    } catch (error) {
      // A signal cannot answer anyone: a change the database refused is logged, and the next score tries again.
      log.warn('a health change could not be applied', { accountId, tier: change.tier, error: error instanceof Error ? error.message : String(error) });
    }
  }));

  // Issue 14: only the search attribute changes (no activity, no state), so runs without the signal replay as before.
  setHandler(accountRenamedSignal, ({ companyName }) => {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.company, value: companyName }]);
  });

  if (state.handoff.phase === 'preparing') {
    const local = patched(PATCHES.localFirstStep);
    try {
      if (local) {
        state.milestones = await firstStep.startAccountRecord({ orgId, accountId, createdKey: `${workflowId}:created`, milestonesKey: `${workflowId}:milestones` });
      } else {
        await firstRead.recordAccountCreated({ orgId, accountId, eventKey: `${workflowId}:created` });
      }
    } catch (error) {
      // The account was never stored (its create was taken back): there is no account to onboard.
      if (finalFailureType(error) !== FAILURE_TYPES.accountNotStored) throw error;
      log.warn('the account was never stored; ending its run', { accountId });
      return { status: state.status, stored: false };
    }
    if (!local) state.milestones = await projections.instantiateMilestones({ orgId, accountId, eventKey: `${workflowId}:milestones` });
    await drafting.draftHandoff({ orgId, accountId, eventKey: `${workflowId}:draft` });
    // Open before the email goes out: an AE who clicks the instant it lands must find it open.
    state.handoff.phase = 'awaiting_ae';
    state.handoff.awaitingSince = Date.now();
    await sendHandoffLink('handoff_link');
  }

  await waitForHandoff();

  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const shouldContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;
  for (;;) {
    // Durable timers for the playbook's actions: the loop sleeps until the next one is due (or a
    // change moves it), fires what is due, and sleeps again. Runs without actions wait as before.
    const due = nextActionDue();
    if (due !== null && due <= Date.now()) {
      await serialized(fireDueActions);
      continue;
    }
    const seen = actionsWake;
    const woken = () => isTerminal(state.status) || shouldContinueAsNew() || actionsWake !== seen;
    if (due === null) await condition(woken);
    else await condition(woken, due - Date.now());
    if (!isTerminal(state.status) && !shouldContinueAsNew()) continue;
    const terminal = isTerminal(state.status);
    await condition(allHandlersFinished);
    // A change that failed while the handlers finished (the database refused it) is not an ending.
    if (terminal && !isTerminal(state.status)) continue;
    if (!terminal) {
      log.info('continuing as new', { accountId, historyLength: workflowInfo().historyLength });
      return continueAsNew<typeof accountLifecycle>({ ...input, carriedState: state });
    }
    return { status: state.status };
  }

  /** Reminders and the escalation fire on durable timers counted from when the link first went out. */
  async function waitForHandoff(): Promise<void> {
    const handoffDone = () => state.status !== 'pending_handoff' || state.handoff.phase !== 'awaiting_ae';
    const since = state.handoff.awaitingSince ?? Date.now();
    const steps = [
      ...timing.reminderDelaysSeconds.map((s, i) => ({ at: s, kind: 'reminder' as const, index: i })),
      { at: timing.escalationDelaySeconds, kind: 'escalation' as const, index: 0 },
    ].sort((a, b) => a.at - b.at);
    for (const step of steps) {
      if (step.kind === 'reminder' && step.index < state.handoff.remindersSent) continue;
      if (step.kind === 'escalation' && state.handoff.escalated) continue;
      const remaining = since + step.at * 1000 - Date.now();
      if (remaining > 0 && await condition(handoffDone, remaining)) return;
      if (handoffDone()) return;
      await serialized(async () => {
        if (handoffDone()) return;
        if (step.kind === 'reminder') {
          state.handoff.remindersSent += 1;
          await sendHandoffLink('handoff_reminder');
        } else {
          state.handoff.escalated = true;
          state.revision += 1;
          await projections.escalateStalledHandoff({
            orgId, accountId, idempotencyKey: stepKey('handoff-escalation'), waitedDays: Math.round(timing.escalationDelaySeconds / 86400),
          });
        }
      });
    }
    await condition(handoffDone);
  }
}
