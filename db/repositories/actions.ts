import { and, asc, eq, sql } from 'drizzle-orm';
import type { ActionState } from '../../domain/actions.ts';
import type { Queryable } from '../client.ts';
import { accountActions } from '../schema/index.ts';

/** Writes actions as the workflow holds them (each transition); the draft and outbox columns are kept unless given. */
export async function upsertActions(db: Queryable, orgId: string, accountId: string, actions: ActionState[], extra: { draftSubject?: string; draftBody?: string; drafter?: string; outboxId?: string } = {}): Promise<void> {
  if (!actions.length) return;
  await db.insert(accountActions).values(actions.map((a) => ({
    accountId, actionId: a.id, orgId, milestoneId: a.milestoneId, kind: a.kind, label: a.label, status: a.status, blocker: a.blocker,
    manual: a.manual, dueAt: a.dueAt === null ? null : new Date(a.dueAt), note: a.note, ...extra,
  }))).onConflictDoUpdate({
    target: [accountActions.accountId, accountActions.actionId],
    set: {
      status: sql`excluded.status`, dueAt: sql`excluded.due_at`, note: sql`excluded.note`, updatedAt: sql`now()`,
      ...(extra.draftSubject !== undefined ? { draftSubject: sql`excluded.draft_subject`, draftBody: sql`excluded.draft_body`, drafter: sql`excluded.drafter` } : {}),
      ...(extra.outboxId !== undefined ? { outboxId: sql`excluded.outbox_id` } : {}),
    },
    setWhere: eq(accountActions.orgId, orgId),
  });
}

export async function listAccountActions(db: Queryable, orgId: string, accountId: string) {
  return db.select().from(accountActions).where(and(eq(accountActions.orgId, orgId), eq(accountActions.accountId, accountId)))
    .orderBy(asc(accountActions.milestoneId), asc(accountActions.actionId));
}

export async function getAccountAction(db: Queryable, orgId: string, accountId: string, actionId: string) {
  const [row] = await db.select().from(accountActions)
    .where(and(eq(accountActions.orgId, orgId), eq(accountActions.accountId, accountId), eq(accountActions.actionId, actionId)));
  return row ?? null;
}
