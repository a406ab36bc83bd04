import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database, Queryable } from '../db/client.ts';
import {
  recountAccountMilestonesCompleted, setAccountMilestonesTotal, setAccountStatus,
} from '../db/repositories/accounts.ts';
import { copyTemplateMilestones, listAccountMilestones, refreshMilestoneDueDates, setMilestoneStatus } from '../db/repositories/milestones.ts';
import { getTemplateVersion } from '../db/repositories/templates.ts';
import { enqueueRescore } from '../db/repositories/health.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import type { LifecycleStatus } from '../domain/lifecycle.ts';
import { FAILURE_TYPES, type MilestoneState } from '../workflows/definitions.ts';
import { ACCOUNT_COMMIT_GRACE_MS, awaitCommittedAccount, requireAccount, type AccountRef } from './accountRecords.ts';

type MilestoneRef = AccountRef & { milestoneId: string; actor: string; eventKey: string };

/**
 * The account workflow's projections of its own state onto the account's rows: each one a single
 * transaction with its timeline entry, keyed by the step key the workflow passes, so a retry
 * writes nothing twice.
 */
export function createAccountProjectionActivities({ db, accountCommitGraceMs }: { db: Database; accountCommitGraceMs?: number | undefined }) {
  async function recordCreated(q: Queryable, input: AccountRef & { eventKey: string }, account: { companyName: string; arr: number; closeDate: string }): Promise<void> {
    await recordTimelineEvent(q, {
      orgId: input.orgId, accountId: input.accountId, type: 'account_created', actor: 'relay', dedupeKey: input.eventKey,
      message: `Account created for ${account.companyName}`, data: { arr: account.arr, closeDate: account.closeDate },
    });
  }

  async function templateVersionOf(account: { orgId: string; templateVersionId: string }) {
    const version = await getTemplateVersion(db, account.orgId, account.templateVersionId);
    if (!version) throw ApplicationFailure.nonRetryable(`template version ${account.templateVersionId} is missing`, FAILURE_TYPES.templateVersionMissing);
    return version;
  }

  /** Copies the milestones once: a second call (a retry) finds them copied and its timeline key recorded. */
  async function copyMilestones(tx: Queryable, input: AccountRef & { eventKey: string }, version: NonNullable<Awaited<ReturnType<typeof getTemplateVersion>>>): Promise<void> {
    await copyTemplateMilestones(tx, { orgId: input.orgId, accountId: input.accountId, templateVersionId: version.id }, version.milestones);
    await setAccountMilestonesTotal(tx, input.orgId, input.accountId, version.milestones.length);
    await recordTimelineEvent(tx, {
      orgId: input.orgId, accountId: input.accountId, type: 'milestones_instantiated', actor: 'relay', dedupeKey: input.eventKey,
      message: `${version.milestones.length} milestones from ${version.name} v${version.version}`,
      data: { templateVersionId: version.id },
    });
  }

  async function milestoneStates(input: AccountRef): Promise<MilestoneState[]> {
    const rows = await listAccountMilestones(db, input.orgId, input.accountId);
    return rows.map((m) => ({ id: m.id, sequence: m.sequence, name: m.name, status: m.status }));
  }

  async function projectMilestone(input: MilestoneRef, status: 'in_progress' | 'completed'): Promise<void> {
    await db.transaction(async (tx) => {
      const milestone = await setMilestoneStatus(tx, input, status);
      if (!milestone) throw ApplicationFailure.nonRetryable('no such milestone on this account', FAILURE_TYPES.milestoneNotFound);
      if (status === 'completed') await recountAccountMilestonesCompleted(tx, input.orgId, input.accountId);
      // The first start sets the plan's start, a completion may shift the rest: due days follow (issue 14).
      await refreshMilestoneDueDates(tx, input.orgId, input.accountId);
      await recordTimelineEvent(tx, {
        orgId: input.orgId, accountId: input.accountId, actor: input.actor, dedupeKey: input.eventKey,
        type: status === 'completed' ? 'milestone_completed' : 'milestone_started',
        message: `${status === 'completed' ? 'Milestone completed' : 'Milestone started'}: ${milestone.name}`, data: { milestoneId: input.milestoneId },
      });
      // Progress against plan is a health input.
      await enqueueRescore(tx, input.orgId, [input.accountId]);
    });
  }

  return {
    async recordAccountCreated(input: AccountRef & { eventKey: string }): Promise<void> {
      const account = await awaitCommittedAccount(db, input, {
        firstScheduledAt: Context.current().info.scheduledTimestampMs, graceMs: accountCommitGraceMs ?? ACCOUNT_COMMIT_GRACE_MS,
      });
      await recordCreated(db, input, account);
    },

    /** Copies the template version's milestones onto the account: a snapshot later edits never touch. */
    async instantiateMilestones(input: AccountRef & { eventKey: string }): Promise<MilestoneState[]> {
      const account = await requireAccount(db, input);
      const version = await templateVersionOf(account);
      await db.transaction((tx) => copyMilestones(tx, input, version));
      return milestoneStates(input);
    },

    /**
     * The run's first step, as one local activity (issue 13): waits for the committed account, then
     * records its creation and copies its template's milestones in one transaction. Each write keeps
     * its own key, so a retry, or a run that did the two steps apart before, writes nothing twice.
     */
    async startAccountRecord(input: AccountRef & { createdKey: string; milestonesKey: string }): Promise<MilestoneState[]> {
      const account = await awaitCommittedAccount(db, input, {
        firstScheduledAt: Context.current().info.scheduledTimestampMs, graceMs: accountCommitGraceMs ?? ACCOUNT_COMMIT_GRACE_MS,
      });
      const version = await templateVersionOf(account);
      await db.transaction(async (tx) => {
        await recordCreated(tx, { ...input, eventKey: input.createdKey }, account);
        await copyMilestones(tx, { ...input, eventKey: input.milestonesKey }, version);
      });
      return milestoneStates(input);
    },

    async projectStatus(input: AccountRef & { from: LifecycleStatus; to: LifecycleStatus; actor: string; note?: string | undefined; eventKey: string }): Promise<void> {
      await db.transaction(async (tx) => {
        await setAccountStatus(tx, input.orgId, input.accountId, input.to);
        await recordTimelineEvent(tx, {
          orgId: input.orgId, accountId: input.accountId, type: 'status_changed', actor: input.actor, dedupeKey: input.eventKey,
          message: `Status ${input.from} → ${input.to}${input.note ? `: ${input.note}` : ''}`,
          data: { from: input.from, to: input.to, note: input.note ?? null },
        });
      });
    },

    async recordMilestoneStarted(input: MilestoneRef): Promise<void> {
      await projectMilestone(input, 'in_progress');
    },

    async recordMilestoneCompleted(input: MilestoneRef): Promise<void> {
      await projectMilestone(input, 'completed');
    },
  };
}
