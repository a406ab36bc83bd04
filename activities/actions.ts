import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import { getAccount } from '../db/repositories/accounts.ts';
import { getAccountAction, upsertActions } from '../db/repositories/actions.ts';
import { milestoneActions } from '../db/repositories/milestones.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { findUserById } from '../db/repositories/users.ts';
import { fillVariables, type ActionState } from '../domain/actions.ts';
import type { TemplateAction } from '../domain/templates.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { FAILURE_TYPES } from '../workflows/definitions.ts';
import { deliverAccountEmail } from './accountEmails.ts';

/** The playbook's actions (issue 12): what a milestone brings, projecting each transition, and its emails. */
export function createActionActivities(deps: { db: Database; mailer: Mailer }) {
  async function accountOf(orgId: string, accountId: string) {
    const account = await getAccount(deps.db, orgId, accountId);
    if (!account) throw ApplicationFailure.create({ type: FAILURE_TYPES.accountNotFound, message: 'no such account', nonRetryable: true });
    return account;
  }

  return {
    /** The actions the milestone was copied with from its template. */
    async loadMilestoneActions(input: { orgId: string; accountId: string; milestoneId: string }): Promise<TemplateAction[]> {
      const actions = await milestoneActions(deps.db, input.orgId, input.accountId, input.milestoneId);
      if (!actions) throw ApplicationFailure.create({ type: FAILURE_TYPES.milestoneNotFound, message: 'no such milestone on this account', nonRetryable: true });
      return actions;
    },

    /** Projects the actions as the workflow holds them, and the transition into the timeline (once per key). */
    async projectActions(input: { orgId: string; accountId: string; actions: ActionState[]; change?: { message: string; actor: string; eventKey: string } }): Promise<void> {
      await deps.db.transaction(async (tx) => {
        await upsertActions(tx, input.orgId, input.accountId, input.actions);
        if (input.change) {
          await recordTimelineEvent(tx, {
            orgId: input.orgId, accountId: input.accountId, type: 'action_changed', actor: input.change.actor, dedupeKey: input.change.eventKey,
            message: input.change.message, data: { actionIds: input.actions.map((a) => a.id) },
          });
        }
      });
    },

    /**
     * An email action's draft: its description addressed to the primary contact, with the account's
     * variables filled ({{company_name}}, {{primary_contact_name}}, {{csm_name}}, {{csm_email}}).
     * Rule-based, and labelled so on the page; a reviewer may edit it before approving.
     */
    async draftActionEmail(input: { orgId: string; accountId: string; action: ActionState }): Promise<{ subject: string; body: string }> {
      const account = await accountOf(input.orgId, input.accountId);
      const csm = account.csmUserId ? await findUserById(deps.db, input.orgId, account.csmUserId) : null;
      const values: Record<string, string> = {
        company_name: account.companyName, primary_contact_name: account.primaryContactName,
        csm_name: csm?.name ?? 'your customer success manager', csm_email: csm?.email ?? '',
      };
      const subject = fillVariables(`${input.action.label}: {{company_name}}`, values);
      const firstName = account.primaryContactName.split(/\s+/)[0] ?? account.primaryContactName;
      const body = [`Hi ${firstName},`, fillVariables(input.action.description, values), csm ? `Best,\n${csm.name}` : ''].filter(Boolean).join('\n\n');
      await upsertActions(deps.db, input.orgId, input.accountId, [input.action], { draftSubject: subject, draftBody: body, drafter: 'rule_based' });
      return { subject, body };
    },

    /** Sends the action's email (the reviewed draft) to the primary contact, once per key. */
    async sendActionEmail(input: { orgId: string; accountId: string; action: ActionState; edits?: { subject: string; body: string } | undefined; idempotencyKey: string }): Promise<{ outboxId: string | null; rejectedBecause: string | null }> {
      const account = await accountOf(input.orgId, input.accountId);
      if (input.edits) {
        await upsertActions(deps.db, input.orgId, input.accountId, [input.action], { draftSubject: input.edits.subject, draftBody: input.edits.body, drafter: 'edited' });
      }
      const row = await getAccountAction(deps.db, input.orgId, input.accountId, input.action.id);
      const subject = input.edits?.subject ?? row?.draftSubject ?? input.action.label;
      const text = input.edits?.body ?? row?.draftBody ?? input.action.description;
      const html = text.split('\n\n').map((p) => `<p>${p.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!).replace(/\n/g, '<br>')}</p>`).join('');
      const sent = await deliverAccountEmail(deps.db, deps.mailer, {
        orgId: input.orgId, accountId: input.accountId, kind: 'action_email', to: [account.primaryContactEmail],
        subject, text, html, links: [], idempotencyKey: input.idempotencyKey,
      });
      if (sent.outboxId) await upsertActions(deps.db, input.orgId, input.accountId, [input.action], { outboxId: sent.outboxId });
      return { outboxId: sent.outboxId, rejectedBecause: sent.rejectedBecause };
    },
  };
}

