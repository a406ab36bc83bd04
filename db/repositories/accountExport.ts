import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { accounts, templateVersions, users } from '../schema/index.ts';

/**
 * One page of the organisation's accounts for the CSV export, keyset-paged by id; only `accountIds`
 * when given (the list's "export selection"), and never another organisation's whatever the IDs.
 */
export async function accountsForExport(db: Queryable, orgId: string, afterId: string, limit: number, accountIds?: readonly string[]) {
  return db.select({
    id: accounts.id, companyName: accounts.companyName, arr: accounts.arr, closeDate: accounts.closeDate,
    primaryContactName: accounts.primaryContactName, primaryContactEmail: accounts.primaryContactEmail,
    aeEmail: accounts.aeEmail, templateName: templateVersions.name, primaryContactRole: accounts.primaryContactRole,
    industry: accounts.industry, companySize: accounts.companySize, website: accounts.website, notes: accounts.notes,
    rawPayload: accounts.rawPayload, status: accounts.status, primaryDomain: accounts.primaryDomain,
    csmEmail: users.email, createdAt: accounts.createdAt,
  }).from(accounts)
    .innerJoin(templateVersions, eq(templateVersions.id, accounts.templateVersionId))
    .leftJoin(users, eq(users.id, accounts.csmUserId))
    .where(and(eq(accounts.orgId, orgId), gt(accounts.id, afterId), ...(accountIds ? [inArray(accounts.id, [...accountIds])] : [])))
    .orderBy(asc(accounts.id)).limit(limit);
}
