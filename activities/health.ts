import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import { getAccount, scorableAccountRanges } from '../db/repositories/accounts.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { findUserById } from '../db/repositories/users.ts';
import { HEALTH_TIER_LABELS, type HealthTier } from '../domain/health.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { rescoreSettled, scoreAccountRange, type HealthChangeSignal, type RescoreOutcome, type ScoringOutcome } from '../services/health/scoring.ts';
import { healthAlertEmail } from '../ui/emails/handoffEmails.tsx';
import { accountWorkflowId, healthChangedSignal } from '../workflows/definitions.ts';
import { deliverAccountEmail } from './accountEmails.ts';

/**
 * Health scoring's activities: the scoring runs' batches and the rescorer's (signalling accounts
 * through the worker's own Temporal client), and the lifecycle workflow's health steps.
 */
export function createHealthActivities(deps: { db: Database; mailer: Mailer; publicUrl: string }) {
  /** An account whose run has ended (completed, say) has nothing to move: not an error. */
  const signal: HealthChangeSignal = async (accountId, change) => {
    try {
      await Context.current().client.workflow.getHandle(accountWorkflowId(accountId)).signal(healthChangedSignal, change);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  };

  return {
    /** The run's plan: how many accounts it scores, in ID ranges of `batchSize`. */
    async planHealthRun(input: { orgId: string; batchSize: number }): Promise<{ total: number; ranges: { after: string | null; upTo: string }[] }> {
      return scorableAccountRanges(deps.db, input.orgId, input.batchSize);
    },

    /** One batch of a run; scoring it again the same day writes the same day's point again (idempotent). */
    async scoreHealthBatch(input: { orgId: string; range: { after: string | null; upTo: string } }): Promise<ScoringOutcome> {
      return scoreAccountRange(deps.db, signal, input.orgId, input.range);
    },

    /** The rescorer's step: accounts changed at least `settleMs` ago, up to `limit`. */
    async rescoreChangedAccounts(input: { settleMs: number; limit: number; orgIds?: string[] }): Promise<RescoreOutcome> {
      return rescoreSettled(deps.db, signal, input);
    },

    /** The CSM's one alert when health moved their account to at risk (idempotent by key). */
    async sendHealthAlert(input: { orgId: string; accountId: string; score: number; tier: HealthTier; reasons: string[]; idempotencyKey: string }): Promise<void> {
      const account = await getAccount(deps.db, input.orgId, input.accountId);
      const csm = account?.csmUserId ? await findUserById(deps.db, input.orgId, account.csmUserId) : null;
      if (!account || !csm) return;
      const email = healthAlertEmail({
        csmName: csm.name, companyName: account.companyName, score: input.score, tierLabel: HEALTH_TIER_LABELS[input.tier],
        reasons: input.reasons, accountUrl: `${deps.publicUrl}/accounts/${account.id}`,
      });
      const sent = await deliverAccountEmail(deps.db, deps.mailer, {
        ...email, orgId: input.orgId, accountId: input.accountId, kind: 'health_alert', to: [csm.email], idempotencyKey: input.idempotencyKey,
      });
      if (!sent.rejectedBecause) {
        await recordTimelineEvent(deps.db, {
          orgId: input.orgId, accountId: input.accountId, type: 'email_sent', actor: 'health', dedupeKey: `${input.idempotencyKey}:sent`,
          message: `Health alert sent to ${csm.email}`, data: { outboxId: sent.outboxId, kind: 'health_alert' },
        });
      }
    },

    /** A health change that moved nothing, in the timeline (an account a person holds at risk, say). */
    async recordHealthChange(input: { orgId: string; accountId: string; message: string; eventKey: string; data: Record<string, unknown> }): Promise<void> {
      await recordTimelineEvent(deps.db, {
        orgId: input.orgId, accountId: input.accountId, type: 'health_changed', actor: 'health', dedupeKey: input.eventKey, message: input.message, data: input.data,
      });
    },
  };
}

export type HealthActivities = ReturnType<typeof createHealthActivities>;
