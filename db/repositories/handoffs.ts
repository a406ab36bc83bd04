import { and, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import type { HandoffDrafterName } from '../../domain/handoffQuestions.ts';
import { accounts, handoffs, type HandoffAnswer } from '../schema/index.ts';

/** The token is the AE's only credential, so this lookup is by its hash alone; it yields the org. */
export async function findHandoffByTokenHash(db: Queryable, tokenHash: string) {
  const [row] = await db.select({ handoff: handoffs, account: accounts }).from(handoffs)
    .innerJoin(accounts, and(eq(accounts.id, handoffs.accountId), eq(accounts.orgId, handoffs.orgId)))
    .where(eq(handoffs.tokenHash, tokenHash));
  return row ?? null;
}

const byAccount = (orgId: string, accountId: string) => and(eq(handoffs.orgId, orgId), eq(handoffs.accountId, accountId));

/** The account's handoff; `forUpdate` locks it for the rest of the transaction (a submission). */
export async function findAccountHandoff(db: Queryable, orgId: string, accountId: string, opts: { forUpdate?: boolean } = {}) {
  const query = db.select().from(handoffs).where(byAccount(orgId, accountId));
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

/** Stores the first draft of an account's handoff; a later draft of the same account is ignored. */
export async function insertDraftedHandoff(db: Queryable, draft: { orgId: string; accountId: string; drafter: HandoffDrafterName; qa: HandoffAnswer[] }): Promise<void> {
  await db.insert(handoffs).values({ id: newId(), ...draft }).onConflictDoNothing({ target: handoffs.accountId });
}

/** Points the handoff at a new link (revoking older ones), unless it was submitted meanwhile. */
export async function storeHandoffLink(db: Queryable, handoffId: string, link: { tokenHash: string; expiresAt: Date; linkVersion: number }): Promise<void> {
  await db.update(handoffs).set({ tokenHash: link.tokenHash, tokenExpiresAt: link.expiresAt, linkVersion: link.linkVersion })
    .where(and(eq(handoffs.id, handoffId), isNull(handoffs.submittedAt)));
}

/** The AE's answers; the link dies with the submission. */
export async function recordHandoffAnswers(db: Queryable, handoffId: string, submission: { qa: HandoffAnswer[]; csmUserId: string }): Promise<void> {
  await db.update(handoffs).set({ qa: submission.qa, submittedAt: new Date(), submittedCsmUserId: submission.csmUserId })
    .where(eq(handoffs.id, handoffId));
}
