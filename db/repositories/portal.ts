import { and, asc, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { accounts, portalFiles, portalLinks, portalSubmissions, type PortalAnswer } from '../schema/index.ts';

/** The home of `portal_links`, `portal_submissions` and `portal_files` (the customer portal, issue 12). */

/** The token is the customer's only credential, so this lookup is by its hash alone; it yields the org. */
export async function findPortalLinkByTokenHash(db: Queryable, tokenHash: string) {
  const [row] = await db.select({ link: portalLinks, account: accounts }).from(portalLinks)
    .innerJoin(accounts, and(eq(accounts.id, portalLinks.accountId), eq(accounts.orgId, portalLinks.orgId)))
    .where(eq(portalLinks.tokenHash, tokenHash));
  return row ?? null;
}

const liveLinksOf = (orgId: string, accountId: string, now: Date) => and(
  eq(portalLinks.orgId, orgId), eq(portalLinks.accountId, accountId), isNull(portalLinks.revokedAt), gt(portalLinks.expiresAt, now),
);

/** A new link for the account; every older one still live is revoked in the same transaction. */
export async function replacePortalLink(db: Queryable, link: { orgId: string; accountId: string; tokenHash: string; expiresAt: Date; sentTo: string; createdBy: string }): Promise<string> {
  return db.transaction(async (tx) => {
    const now = new Date();
    await tx.update(portalLinks).set({ revokedAt: now, revokedBy: link.createdBy }).where(liveLinksOf(link.orgId, link.accountId, now));
    const id = newId();
    await tx.insert(portalLinks).values({ id, ...link });
    return id;
  });
}

/**
 * The link with this ID, made if it does not exist yet (older live links revoked in the same
 * transaction): an email that carries a link makes it under an ID derived from the email's
 * idempotency key, so a retried send finds the same link instead of revoking the one it sent.
 * Answers whether it was made now.
 */
export async function insertPortalLinkOnce(db: Queryable, link: { id: string; orgId: string; accountId: string; tokenHash: string; expiresAt: Date; sentTo: string; createdBy: string }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: portalLinks.id }).from(portalLinks).where(and(eq(portalLinks.orgId, link.orgId), eq(portalLinks.id, link.id)));
    if (existing) return false;
    const now = new Date();
    await tx.update(portalLinks).set({ revokedAt: now, revokedBy: link.createdBy }).where(liveLinksOf(link.orgId, link.accountId, now));
    const inserted = await tx.insert(portalLinks).values(link).onConflictDoNothing().returning({ id: portalLinks.id });
    return inserted.length > 0;
  });
}

/** Revokes the account's live links; answers how many there were. */
export async function revokePortalLinks(db: Queryable, orgId: string, accountId: string, revokedBy: string): Promise<number> {
  const now = new Date();
  const revoked = await db.update(portalLinks).set({ revokedAt: now, revokedBy })
    .where(liveLinksOf(orgId, accountId, now)).returning({ id: portalLinks.id });
  return revoked.length;
}

/** The account's newest link, live or not (what the account page says about the portal). */
export async function latestPortalLink(db: Queryable, orgId: string, accountId: string) {
  const [row] = await db.select({
    id: portalLinks.id, sentTo: portalLinks.sentTo, createdBy: portalLinks.createdBy, createdAt: portalLinks.createdAt,
    expiresAt: portalLinks.expiresAt, revokedAt: portalLinks.revokedAt, revokedBy: portalLinks.revokedBy,
  }).from(portalLinks)
    .where(and(eq(portalLinks.orgId, orgId), eq(portalLinks.accountId, accountId)))
    .orderBy(desc(portalLinks.createdAt), desc(portalLinks.id)).limit(1);
  return row ?? null;
}

export interface NewPortalFile { fieldKey: string; fileName: string; contentType: string; sizeBytes: number; sha256: string; content: Buffer }

/**
 * Stores a submission and its files at once. An earlier submission of the same action (stored, but
 * its action never completed: the workflow engine was away) is replaced, files and all.
 */
export async function storePortalSubmission(db: Queryable, submission: {
  orgId: string; accountId: string; actionId: string; linkId: string; submittedBy: string;
  answers: PortalAnswer[]; files: NewPortalFile[];
}): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.delete(portalSubmissions).where(and(
      eq(portalSubmissions.orgId, submission.orgId), eq(portalSubmissions.accountId, submission.accountId), eq(portalSubmissions.actionId, submission.actionId),
    ));
    const id = newId();
    const fileIds = new Map(submission.files.map((f) => [f.fieldKey, newId()]));
    const answers = submission.answers.map((a) => (a.kind === 'file' ? { ...a, fileId: fileIds.get(a.key) ?? null } : a));
    await tx.insert(portalSubmissions).values({
      id, orgId: submission.orgId, accountId: submission.accountId, actionId: submission.actionId, linkId: submission.linkId,
      answers, submittedBy: submission.submittedBy,
    });
    if (submission.files.length) {
      await tx.insert(portalFiles).values(submission.files.map((f) => ({
        id: fileIds.get(f.fieldKey)!, orgId: submission.orgId, accountId: submission.accountId, submissionId: id, ...f,
      })));
    }
    return id;
  });
}

/** Takes back a submission whose action the workflow refused to complete (closed meanwhile). */
export async function deletePortalSubmission(db: Queryable, orgId: string, submissionId: string): Promise<void> {
  await db.delete(portalSubmissions).where(and(eq(portalSubmissions.orgId, orgId), eq(portalSubmissions.id, submissionId)));
}

/** The account's submissions with their files' descriptions (never their bytes), oldest first. */
export async function listPortalSubmissions(db: Queryable, orgId: string, accountId: string) {
  const [submissions, files] = await Promise.all([
    db.select().from(portalSubmissions)
      .where(and(eq(portalSubmissions.orgId, orgId), eq(portalSubmissions.accountId, accountId)))
      .orderBy(asc(portalSubmissions.submittedAt), asc(portalSubmissions.id)),
    db.select({
      id: portalFiles.id, submissionId: portalFiles.submissionId, fieldKey: portalFiles.fieldKey, fileName: portalFiles.fileName,
      contentType: portalFiles.contentType, sizeBytes: portalFiles.sizeBytes,
    }).from(portalFiles).where(and(eq(portalFiles.orgId, orgId), eq(portalFiles.accountId, accountId))),
  ]);
  return submissions.map((s) => ({ ...s, files: files.filter((f) => f.submissionId === s.id) }));
}

/** One uploaded file with its bytes, only from this organisation's account. */
export async function getPortalFile(db: Queryable, orgId: string, accountId: string, fileId: string) {
  const [row] = await db.select().from(portalFiles)
    .where(and(eq(portalFiles.orgId, orgId), eq(portalFiles.accountId, accountId), eq(portalFiles.id, fileId)));
  return row ?? null;
}
