import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import { getAccount, listAccountMilestones } from '../db/repositories/accounts.ts';
import { getHandoffQuestions } from '../db/repositories/organisations.ts';
import { getTemplateVersion } from '../db/repositories/templates.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { findUserByEmail, findUserById, listUsersByRole } from '../db/repositories/users.ts';
import { accountMilestones, accounts, handoffs, type HandoffAnswer } from '../db/schema/index.ts';
import { handoffToken } from '../domain/handoffToken.ts';
import { hashToken } from '../domain/secretTokens.ts';
import type { LifecycleStatus } from '../domain/lifecycle.ts';
import type { HandoffDrafter } from '../integrations/drafting/drafter.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { contactIntroEmail, csmAssignedEmail, handoffEscalationEmail, handoffLinkEmail } from '../ui/emails/handoffEmails.tsx';
import { FAILURE_TYPES, type CsmRef, type MilestoneState } from '../workflows/definitions.ts';
import { deliverAccountEmail } from './emailDelivery.ts';
import { createImportActivities } from './imports.ts';
import { draftOrFallBack, handoffAnswersFrom } from './handoffDrafting.ts';

export interface ActivityDeps {
  db: Database;
  mailer: Mailer;
  drafter: HandoffDrafter;
  /** Where links in emails point (the API's public URL). */
  publicUrl: string;
  /** Derives handoff tokens; see domain/handoffToken.ts. */
  tokenSecret: string;
  /** Wait between drafting attempts instead of the workflow's backoff (tests keep it short). */
  draftRetryDelayMs?: number;
}

interface AccountRef { orgId: string; accountId: string }

/** Activities of the account workflow: each one idempotent, keyed by the step key the workflow passes. */
export function createActivities(deps: ActivityDeps) {
  const { db, mailer } = deps;

  async function requireAccount({ orgId, accountId }: AccountRef) {
    const account = await getAccount(db, orgId, accountId);
    if (!account) throw ApplicationFailure.retryable(`account ${accountId} is not in the database (yet)`, FAILURE_TYPES.accountNotFound);
    return account;
  }

  /**
   * The run is started inside the transaction that stores the account, so its first read can land a
   * few milliseconds before the commit. Waiting that out here is cheaper than a failed attempt and a
   * retry (which a 10,000-row import would pay thousands of times); after two seconds the retry
   * policy takes over, and gives up if the record was never kept.
   */
  async function awaitCommittedAccount(ref: AccountRef) {
    for (let waited = 0; waited < 2_000; waited += 50) {
      const account = await getAccount(db, ref.orgId, ref.accountId);
      if (account) return account;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return requireAccount(ref);
  }

  const accountUrl = (accountId: string) => `${deps.publicUrl}/accounts/${accountId}`;

  function toCsmRef(user: { id: string; email: string; name: string }): CsmRef {
    return { userId: user.id, email: user.email, name: user.name };
  }

  return {
    ...createImportActivities({ db }),
    async recordAccountCreated(input: AccountRef & { eventKey: string }): Promise<void> {
      const account = await awaitCommittedAccount(input);
      await recordTimelineEvent(db, {
        ...input, type: 'account_created', actor: 'relay', dedupeKey: input.eventKey,
        message: `Account created for ${account.companyName}`, data: { arr: account.arr, closeDate: account.closeDate },
      });
    },

    /** Copies the template version's milestones onto the account: a snapshot later edits never touch. */
    async instantiateMilestones(input: AccountRef & { eventKey: string }): Promise<MilestoneState[]> {
      const account = await requireAccount(input);
      const version = await getTemplateVersion(db, input.orgId, account.templateVersionId);
      if (!version) throw ApplicationFailure.nonRetryable(`template version ${account.templateVersionId} is missing`);
      await db.transaction(async (tx) => {
        if (version.milestones.length) {
          await tx.insert(accountMilestones).values(version.milestones.map((m) => ({
            id: newId(), orgId: input.orgId, accountId: input.accountId, templateVersionId: version.id,
            sequence: m.sequence, name: m.name, durationDays: m.durationDays, actions: m.actions, status: 'pending' as const,
          }))).onConflictDoNothing({ target: [accountMilestones.accountId, accountMilestones.sequence] });
        }
        await tx.update(accounts).set({ milestonesTotal: version.milestones.length })
          .where(and(eq(accounts.orgId, input.orgId), eq(accounts.id, input.accountId)));
        await recordTimelineEvent(tx, {
          ...input, type: 'milestones_instantiated', actor: 'relay', dedupeKey: input.eventKey,
          message: `${version.milestones.length} milestones from ${version.name} v${version.version}`,
          data: { templateVersionId: version.id },
        });
      });
      const rows = await listAccountMilestones(db, input.orgId, input.accountId);
      return rows.map((m) => ({ id: m.id, sequence: m.sequence, name: m.name, status: m.status }));
    },

    /** Drafts the handoff Q&A once; a retry after success keeps the first draft. */
    async draftHandoff(input: AccountRef & { eventKey: string }): Promise<{ drafter: string }> {
      const [existing] = await db.select({ drafter: handoffs.drafter }).from(handoffs)
        .where(and(eq(handoffs.orgId, input.orgId), eq(handoffs.accountId, input.accountId)));
      if (existing) return existing;
      const account = await requireAccount(input);
      // Read at drafting time: the handoff then keeps these questions whatever the admin edits later.
      const questions = await getHandoffQuestions(db, input.orgId);
      const draft = await draftOrFallBack(deps.drafter, account, questions, { retryDelayMs: deps.draftRetryDelayMs });
      const qa = handoffAnswersFrom(questions, draft);
      await db.transaction(async (tx) => {
        await tx.insert(handoffs).values({ id: newId(), orgId: input.orgId, accountId: input.accountId, drafter: draft.drafter, qa })
          .onConflictDoNothing({ target: handoffs.accountId });
        await recordTimelineEvent(tx, {
          ...input, type: 'handoff_drafted', actor: 'relay', dedupeKey: input.eventKey,
          message: draft.drafter === 'rule_based' ? 'Handoff Q&A drafted by the rule-based drafter (unverified)' : 'Handoff Q&A drafted by AI',
          data: { drafter: draft.drafter },
        });
      });
      return { drafter: draft.drafter };
    },

    /**
     * Mails the AE the handoff link for the given link version. The first send of a version stores
     * the token's hash and expiry, revoking older links; reminders re-send the same link.
     */
    async sendHandoffLink(input: AccountRef & { kind: 'handoff_link' | 'handoff_reminder'; linkVersion: number; tokenTtlSeconds: number; idempotencyKey: string }): Promise<void> {
      const account = await requireAccount(input);
      const token = handoffToken(deps.tokenSecret, input.accountId, input.linkVersion);
      const tokenHash = hashToken(token);
      const [handoff] = await db.select().from(handoffs).where(and(eq(handoffs.orgId, input.orgId), eq(handoffs.accountId, input.accountId)));
      if (!handoff) throw ApplicationFailure.nonRetryable('the handoff has not been drafted');
      let expiresAt = handoff.tokenExpiresAt;
      if (handoff.tokenHash !== tokenHash) {
        expiresAt = new Date(Date.now() + input.tokenTtlSeconds * 1000);
        await db.update(handoffs).set({ tokenHash, tokenExpiresAt: expiresAt, linkVersion: input.linkVersion })
          .where(and(eq(handoffs.id, handoff.id), sql`${handoffs.submittedAt} is null`));
      }
      const admins = account.aeEmail ? [] : await listUsersByRole(db, input.orgId, 'admin');
      const to = account.aeEmail ? [account.aeEmail] : admins.map((a) => a.email);
      if (!to.length) throw ApplicationFailure.nonRetryable('nobody to send the handoff link to: no AE email and no admins');
      const email = handoffLinkEmail({
        companyName: account.companyName, link: `${deps.publicUrl}/handoff/${token}`,
        expiresOn: (expiresAt ?? new Date()).toUTCString(), reminder: input.kind === 'handoff_reminder', toAdminsBecauseNoAe: !account.aeEmail,
      });
      const delivered = await deliverAccountEmail(db, mailer, { ...email, orgId: input.orgId, accountId: input.accountId, kind: input.kind, to, idempotencyKey: input.idempotencyKey });
      if (delivered.rejectedBecause) return;
      await recordTimelineEvent(db, {
        ...input, type: 'email_sent', actor: 'relay', dedupeKey: `${input.idempotencyKey}:timeline`,
        message: `${input.kind === 'handoff_reminder' ? 'Handoff reminder' : 'Handoff link'} emailed to ${to.join(', ')}`,
        data: { outboxId: delivered.outboxId, kind: input.kind },
      });
    },

    async escalateStalledHandoff(input: AccountRef & { idempotencyKey: string; waitedDays: number }): Promise<void> {
      const account = await requireAccount(input);
      const admins = await listUsersByRole(db, input.orgId, 'admin');
      if (!admins.length) return;
      const email = handoffEscalationEmail({ companyName: account.companyName, aeEmail: account.aeEmail, accountUrl: accountUrl(account.id), days: input.waitedDays });
      const delivered = await deliverAccountEmail(db, mailer, { ...email, orgId: input.orgId, accountId: input.accountId, kind: 'handoff_escalation', to: admins.map((a) => a.email), idempotencyKey: input.idempotencyKey });
      if (delivered.rejectedBecause) return;
      await recordTimelineEvent(db, {
        ...input, type: 'email_sent', actor: 'relay', dedupeKey: `${input.idempotencyKey}:timeline`,
        message: 'Handoff escalated to the admins', data: { outboxId: delivered.outboxId, kind: 'handoff_escalation' },
      });
    },

    /** Stores the AE's answers and kills the link. The CSM must be one of the org's CSMs. */
    async recordHandoffSubmission(input: AccountRef & { answers: { key: string; answer: string }[]; csmUserId: string }): Promise<CsmRef> {
      return db.transaction(async (tx) => {
        const csm = await findUserById(tx, input.orgId, input.csmUserId);
        if (!csm || csm.role !== 'csm') {
          throw ApplicationFailure.nonRetryable('the chosen CSM is not a CSM of this organisation', FAILURE_TYPES.csmNotInOrganisation);
        }
        const [handoff] = await tx.select().from(handoffs).where(and(eq(handoffs.orgId, input.orgId), eq(handoffs.accountId, input.accountId))).for('update');
        if (!handoff) throw ApplicationFailure.nonRetryable('the handoff has not been drafted');
        if (handoff.submittedAt) {
          // A retry of this very activity after it committed: answer the same.
          if (handoff.submittedCsmUserId === csm.id) return toCsmRef(csm);
          throw ApplicationFailure.nonRetryable('this handoff has already been submitted', FAILURE_TYPES.handoffAlreadySubmitted);
        }
        const given = new Map(input.answers.map((a) => [a.key, a.answer]));
        const qa: HandoffAnswer[] = handoff.qa.map((q) => {
          const answer = given.get(q.key);
          return answer === undefined ? q : { ...q, answer, verified: true };
        });
        await tx.update(handoffs).set({ qa, submittedAt: new Date(), submittedCsmUserId: csm.id })
          .where(eq(handoffs.id, handoff.id));
        await recordTimelineEvent(tx, {
          ...input, type: 'handoff_submitted', actor: 'ae', dedupeKey: `handoff-submitted:${input.accountId}`,
          message: `Handoff submitted; CSM chosen: ${csm.name}`, data: { csmUserId: csm.id },
        });
        return toCsmRef(csm);
      });
    },

    async assignCsm(input: AccountRef & {
      csmUserId?: string; csmEmail?: string; actor: string; note?: string | undefined;
      notifyCsm: boolean; notifyContact: boolean; eventKey: string;
    }): Promise<CsmRef> {
      const account = await requireAccount(input);
      const csm = input.csmUserId ? await findUserById(db, input.orgId, input.csmUserId)
        : await findUserByEmail(db, input.orgId, input.csmEmail ?? '');
      if (!csm || csm.role !== 'csm') {
        throw ApplicationFailure.nonRetryable(`${input.csmEmail ?? 'the chosen user'} is not a CSM of this organisation`, FAILURE_TYPES.csmNotInOrganisation);
      }
      const previous = account.csmUserId ? await findUserById(db, input.orgId, account.csmUserId) : null;
      await db.transaction(async (tx) => {
        await tx.update(accounts).set({ csmUserId: csm.id, updatedAt: new Date() }).where(and(eq(accounts.orgId, input.orgId), eq(accounts.id, input.accountId)));
        await recordTimelineEvent(tx, {
          ...input, type: 'csm_assigned', actor: input.actor, dedupeKey: input.eventKey,
          message: previous && previous.id !== csm.id ? `CSM changed from ${previous.name} to ${csm.name}` : `CSM assigned: ${csm.name}`,
          data: { csmUserId: csm.id, previousCsmUserId: previous?.id ?? null, note: input.note ?? null },
        });
      });
      if (input.notifyCsm) {
        const email = csmAssignedEmail({ csmName: csm.name, companyName: account.companyName, accountUrl: accountUrl(account.id), note: input.note ?? null });
        await deliverAccountEmail(db, mailer, { ...email, orgId: input.orgId, accountId: input.accountId, kind: 'csm_assigned', to: [csm.email], idempotencyKey: `${input.eventKey}:notify-csm` });
      }
      if (input.notifyContact) {
        const email = contactIntroEmail({ contactName: account.primaryContactName, companyName: account.companyName, csmName: csm.name, csmEmail: csm.email, note: input.note ?? null });
        await deliverAccountEmail(db, mailer, { ...email, orgId: input.orgId, accountId: input.accountId, kind: 'csm_intro_to_contact', to: [account.primaryContactEmail], idempotencyKey: `${input.eventKey}:notify-contact` });
      }
      return toCsmRef(csm);
    },

    async projectStatus(input: AccountRef & { from: LifecycleStatus; to: LifecycleStatus; actor: string; note?: string | undefined; eventKey: string }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.update(accounts).set({ status: input.to, updatedAt: new Date() }).where(and(eq(accounts.orgId, input.orgId), eq(accounts.id, input.accountId)));
        await recordTimelineEvent(tx, {
          ...input, type: 'status_changed', actor: input.actor, dedupeKey: input.eventKey,
          message: `Status ${input.from} → ${input.to}${input.note ? `: ${input.note}` : ''}`,
          data: { from: input.from, to: input.to, note: input.note ?? null },
        });
      });
    },

    async recordMilestoneStarted(input: AccountRef & { milestoneId: string; actor: string; eventKey: string }): Promise<void> {
      await projectMilestone(input, 'in_progress');
    },

    async recordMilestoneCompleted(input: AccountRef & { milestoneId: string; actor: string; eventKey: string }): Promise<void> {
      await projectMilestone(input, 'completed');
    },
  };

  async function projectMilestone(input: AccountRef & { milestoneId: string; actor: string; eventKey: string }, status: 'in_progress' | 'completed') {
    await db.transaction(async (tx) => {
      const [milestone] = await tx.update(accountMilestones)
        .set(status === 'completed' ? { status, completedAt: new Date() } : { status, startedAt: new Date() })
        .where(and(eq(accountMilestones.orgId, input.orgId), eq(accountMilestones.accountId, input.accountId), eq(accountMilestones.id, input.milestoneId)))
        .returning({ name: accountMilestones.name });
      if (!milestone) throw ApplicationFailure.nonRetryable('no such milestone on this account', FAILURE_TYPES.milestoneNotFound);
      if (status === 'completed') {
        // Counted, not incremented, so a retried projection cannot count a milestone twice.
        await tx.update(accounts).set({
          milestonesCompleted: sql`(select count(*) from ${accountMilestones} where ${accountMilestones.accountId} = ${input.accountId} and ${accountMilestones.status} = 'completed')`,
        }).where(and(eq(accounts.orgId, input.orgId), eq(accounts.id, input.accountId)));
      }
      await recordTimelineEvent(tx, {
        ...input, type: status === 'completed' ? 'milestone_completed' : 'milestone_started', actor: input.actor, dedupeKey: input.eventKey,
        message: `${status === 'completed' ? 'Milestone completed' : 'Milestone started'}: ${milestone.name}`, data: { milestoneId: input.milestoneId },
      });
    });
  }
}

export type RelayActivities = ReturnType<typeof createActivities>;
