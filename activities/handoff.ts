import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import { findAccountHandoff, insertDraftedHandoff, recordHandoffAnswers, storeHandoffLink } from '../db/repositories/handoffs.ts';
import { getHandoffQuestions } from '../db/repositories/organisations.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { findUserById, listUsersByRole } from '../db/repositories/users.ts';
import type { HandoffAnswer } from '../db/schema/index.ts';
import { handoffToken } from '../domain/handoffToken.ts';
import { hashToken } from '../domain/secretTokens.ts';
import type { HandoffDrafter } from '../integrations/drafting/drafter.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { handoffEscalationEmail, handoffLinkEmail } from '../ui/emails/handoffEmails.tsx';
import { FAILURE_TYPES, type CsmRef } from '../workflows/definitions.ts';
import { deliverAccountEmail } from './accountEmails.ts';
import { requireAccount, type AccountRef } from './accountRecords.ts';
import { toCsmRef } from './csmAssignment.ts';
import { draftOrFallBack, handoffAnswersFrom } from './handoffDrafting.ts';

export interface HandoffActivityDeps {
  db: Database;
  mailer: Mailer;
  drafter: HandoffDrafter;
  /** Where links in emails point (the API's public URL). */
  publicUrl: string;
  /** Derives handoff tokens; see domain/handoffToken.ts. */
  tokenSecret: string;
  /** Wait between drafting attempts instead of the workflow's backoff (tests keep it short). */
  draftRetryDelayMs?: number;
  /** How long a run waits for its account's row before deciding it was never stored (tests shorten it). */
  accountCommitGraceMs?: number;
}

/** The AE handoff: the drafted Q&A, the tokenized link and its reminders, the escalation, the submission. */
export function createHandoffActivities(deps: HandoffActivityDeps) {
  const { db, mailer } = deps;

  return {
    /** Drafts the handoff Q&A once; a retry after success keeps the first draft. */
    async draftHandoff(input: AccountRef & { eventKey: string }): Promise<{ drafter: string }> {
      const existing = await findAccountHandoff(db, input.orgId, input.accountId);
      if (existing) return { drafter: existing.drafter };
      const account = await requireAccount(db, input);
      // Read at drafting time: the handoff then keeps these questions whatever the admin edits later.
      const questions = await getHandoffQuestions(db, input.orgId);
      const draft = await draftOrFallBack(deps.drafter, account, questions, { retryDelayMs: deps.draftRetryDelayMs });
      const qa = handoffAnswersFrom(questions, draft);
      await db.transaction(async (tx) => {
        await insertDraftedHandoff(tx, { orgId: input.orgId, accountId: input.accountId, drafter: draft.drafter, qa });
        await recordTimelineEvent(tx, {
          orgId: input.orgId, accountId: input.accountId, type: 'handoff_drafted', actor: 'relay', dedupeKey: input.eventKey,
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
      const account = await requireAccount(db, input);
      const token = handoffToken(deps.tokenSecret, input.accountId, input.linkVersion);
      const tokenHash = hashToken(token);
      const handoff = await findAccountHandoff(db, input.orgId, input.accountId);
      if (!handoff) throw ApplicationFailure.nonRetryable('the handoff has not been drafted', FAILURE_TYPES.handoffNotDrafted);
      let expiresAt = handoff.tokenExpiresAt;
      if (handoff.tokenHash !== tokenHash) {
        expiresAt = new Date(Date.now() + input.tokenTtlSeconds * 1000);
        await storeHandoffLink(db, handoff.id, { tokenHash, expiresAt, linkVersion: input.linkVersion });
      }
      const admins = account.aeEmail ? [] : await listUsersByRole(db, input.orgId, 'admin');
      const to = account.aeEmail ? [account.aeEmail] : admins.map((a) => a.email);
      if (!to.length) throw ApplicationFailure.nonRetryable('nobody to send the handoff link to: no AE email and no admins', FAILURE_TYPES.noHandoffRecipient);
      const email = handoffLinkEmail({
        companyName: account.companyName, link: `${deps.publicUrl}/handoff/${token}`,
        expiresOn: (expiresAt ?? new Date()).toUTCString(), reminder: input.kind === 'handoff_reminder', toAdminsBecauseNoAe: !account.aeEmail,
      });
      const delivered = await deliverAccountEmail(db, mailer, { ...email, orgId: input.orgId, accountId: input.accountId, kind: input.kind, to, idempotencyKey: input.idempotencyKey });
      if (delivered.rejectedBecause) return;
      await recordTimelineEvent(db, {
        orgId: input.orgId, accountId: input.accountId, type: 'email_sent', actor: 'relay', dedupeKey: `${input.idempotencyKey}:timeline`,
        message: `${input.kind === 'handoff_reminder' ? 'Handoff reminder' : 'Handoff link'} emailed to ${to.join(', ')}`,
        data: { outboxId: delivered.outboxId, kind: input.kind },
      });
    },

    async escalateStalledHandoff(input: AccountRef & { idempotencyKey: string; waitedDays: number }): Promise<void> {
      const account = await requireAccount(db, input);
      const admins = await listUsersByRole(db, input.orgId, 'admin');
      if (!admins.length) return;
      const email = handoffEscalationEmail({ companyName: account.companyName, aeEmail: account.aeEmail, accountUrl: `${deps.publicUrl}/accounts/${account.id}`, days: input.waitedDays });
      const delivered = await deliverAccountEmail(db, mailer, { ...email, orgId: input.orgId, accountId: input.accountId, kind: 'handoff_escalation', to: admins.map((a) => a.email), idempotencyKey: input.idempotencyKey });
      if (delivered.rejectedBecause) return;
      await recordTimelineEvent(db, {
        orgId: input.orgId, accountId: input.accountId, type: 'email_sent', actor: 'relay', dedupeKey: `${input.idempotencyKey}:timeline`,
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
        const handoff = await findAccountHandoff(tx, input.orgId, input.accountId, { forUpdate: true });
        if (!handoff) throw ApplicationFailure.nonRetryable('the handoff has not been drafted', FAILURE_TYPES.handoffNotDrafted);
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
        await recordHandoffAnswers(tx, handoff.id, { qa, csmUserId: csm.id });
        await recordTimelineEvent(tx, {
          orgId: input.orgId, accountId: input.accountId, type: 'handoff_submitted', actor: 'ae', dedupeKey: `handoff-submitted:${input.accountId}`,
          message: `Handoff submitted; CSM chosen: ${csm.name}`, data: { csmUserId: csm.id },
        });
        return toCsmRef(csm);
      });
    },
  };
}
