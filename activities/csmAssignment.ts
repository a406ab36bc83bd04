import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import { setAccountCsm } from '../db/repositories/accounts.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { findUserByEmail, findUserById } from '../db/repositories/users.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { contactIntroEmail, csmAssignedEmail } from '../ui/emails/handoffEmails.tsx';
import { FAILURE_TYPES, type CsmRef } from '../workflows/definitions.ts';
import { deliverAccountEmail, type AccountEmailOutcome } from './accountEmails.ts';
import { requireAccount, type AccountRef } from './accountRecords.ts';

export function toCsmRef(user: { id: string; email: string; name: string }): CsmRef {
  return { userId: user.id, email: user.email, name: user.name };
}

/** Who onboards the account: the AE's pick at handoff, or a CSM/admin's reassignment later. */
export function createCsmAssignmentActivities(deps: { db: Database; mailer: Mailer; publicUrl: string }) {
  const { db, mailer } = deps;
  /** The same "Email sent" entry the handoff email gets, once per email (keyed by its idempotency key); a rejected one has its own entry already. */
  async function recordEmailSent(e: AccountRef & { actor: string; idempotencyKey: string; kind: string; delivered: AccountEmailOutcome; message: string }): Promise<void> {
    if (e.delivered.rejectedBecause) return;
    await recordTimelineEvent(db, {
      orgId: e.orgId, accountId: e.accountId, type: 'email_sent', actor: e.actor, dedupeKey: `${e.idempotencyKey}:timeline`,
      message: e.message, data: { outboxId: e.delivered.outboxId, kind: e.kind },
    });
  }
  return {
    async assignCsm(input: AccountRef & {
      csmUserId?: string; csmEmail?: string; actor: string; note?: string | undefined;
      notifyCsm: boolean; notifyContact: boolean; eventKey: string;
    }): Promise<CsmRef> {
      const account = await requireAccount(db, input);
      const csm = input.csmUserId ? await findUserById(db, input.orgId, input.csmUserId)
        : await findUserByEmail(db, input.orgId, input.csmEmail ?? '');
      if (!csm || csm.role !== 'csm') {
        throw ApplicationFailure.nonRetryable(`${input.csmEmail ?? 'the chosen user'} is not a CSM of this organisation`, FAILURE_TYPES.csmNotInOrganisation);
      }
      const previous = account.csmUserId ? await findUserById(db, input.orgId, account.csmUserId) : null;
      await db.transaction(async (tx) => {
        await setAccountCsm(tx, input.orgId, input.accountId, csm.id);
        await recordTimelineEvent(tx, {
          orgId: input.orgId, accountId: input.accountId, type: 'csm_assigned', actor: input.actor, dedupeKey: input.eventKey,
          message: previous && previous.id !== csm.id ? `CSM changed from ${previous.name} to ${csm.name}` : `CSM assigned: ${csm.name}`,
          data: { csmUserId: csm.id, previousCsmUserId: previous?.id ?? null, note: input.note ?? null },
        });
      });
      if (input.notifyCsm) {
        const email = csmAssignedEmail({ csmName: csm.name, companyName: account.companyName, accountUrl: `${deps.publicUrl}/accounts/${account.id}`, note: input.note ?? null });
        const idempotencyKey = `${input.eventKey}:notify-csm`;
        const delivered = await deliverAccountEmail(db, mailer, { ...email, orgId: input.orgId, accountId: input.accountId, kind: 'csm_assigned', to: [csm.email], idempotencyKey });
        await recordEmailSent({ ...input, idempotencyKey, kind: 'csm_assigned', delivered, message: `Assignment emailed to ${csm.name} (${csm.email})` });
      }
      if (input.notifyContact) {
        const email = contactIntroEmail({ contactName: account.primaryContactName, companyName: account.companyName, csmName: csm.name, csmEmail: csm.email, note: input.note ?? null });
        const idempotencyKey = `${input.eventKey}:notify-contact`;
        const delivered = await deliverAccountEmail(db, mailer, { ...email, orgId: input.orgId, accountId: input.accountId, kind: 'csm_intro_to_contact', to: [account.primaryContactEmail], idempotencyKey });
        await recordEmailSent({ ...input, idempotencyKey, kind: 'csm_intro_to_contact', delivered, message: `CSM introduction emailed to ${account.primaryContactName} (${account.primaryContactEmail})` });
      }
      return toCsmRef(csm);
    },
  };
}
