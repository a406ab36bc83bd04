import { and, asc, count, desc, eq, ilike, inArray } from 'drizzle-orm';
import type { AccountStatus } from '../schema/index.ts';
import type { Queryable } from '../client.ts';
import { accountDomains, accountMilestones, accounts, handoffs, templateVersions, users } from '../schema/index.ts';

export type NewAccount = typeof accounts.$inferInsert;

/** What the list's search box matches: company, contact name and email, every domain. */
export function accountSearchText(account: Pick<NewAccount, 'companyName' | 'primaryContactName' | 'primaryContactEmail'>, domains: string[]): string {
  return [account.companyName, account.primaryContactName, account.primaryContactEmail, ...domains].join(' ').toLowerCase();
}

/** Stores an account and claims its domains; a claimed domain raises the database's unique violation. */
export async function insertAccountWithDomains(db: Queryable, account: NewAccount, domains: string[]): Promise<void> {
  await db.insert(accounts).values({ ...account, searchText: accountSearchText(account, domains) });
  if (domains.length) {
    await db.insert(accountDomains).values(domains.map((domain, i) => ({
      orgId: account.orgId, accountId: account.id, domain, isPrimary: i === 0,
    })));
  }
}

/** Accounts of the org already holding any of these domains (two or more is a conflict for a human). */
export async function findAccountsByDomains(db: Queryable, orgId: string, domains: string[]) {
  if (!domains.length) return [];
  return db.selectDistinct({ accountId: accountDomains.accountId, domain: accountDomains.domain }).from(accountDomains)
    .where(and(eq(accountDomains.orgId, orgId), inArray(accountDomains.domain, domains)));
}

export async function deleteAccountRecord(db: Queryable, orgId: string, accountId: string): Promise<void> {
  await db.delete(accountDomains).where(and(eq(accountDomains.orgId, orgId), eq(accountDomains.accountId, accountId)));
  await db.delete(accounts).where(and(eq(accounts.orgId, orgId), eq(accounts.id, accountId)));
}

export async function getAccount(db: Queryable, orgId: string, accountId: string) {
  const [row] = await db.select().from(accounts).where(and(eq(accounts.orgId, orgId), eq(accounts.id, accountId)));
  return row ?? null;
}

export async function listAccountMilestones(db: Queryable, orgId: string, accountId: string) {
  return db.select().from(accountMilestones)
    .where(and(eq(accountMilestones.orgId, orgId), eq(accountMilestones.accountId, accountId)))
    .orderBy(asc(accountMilestones.sequence));
}

/** One account as the API and the dashboard show it. */
export async function getAccountDetail(db: Queryable, orgId: string, accountId: string) {
  const [row] = await db.select({
    account: accounts,
    csm: { id: users.id, email: users.email, name: users.name },
    template: { id: templateVersions.templateId, versionId: templateVersions.id, name: templateVersions.name, version: templateVersions.version },
    handoff: { drafter: handoffs.drafter, qa: handoffs.qa, submittedAt: handoffs.submittedAt, tokenExpiresAt: handoffs.tokenExpiresAt, linkVersion: handoffs.linkVersion },
  }).from(accounts)
    .leftJoin(users, eq(users.id, accounts.csmUserId))
    .innerJoin(templateVersions, eq(templateVersions.id, accounts.templateVersionId))
    .leftJoin(handoffs, eq(handoffs.accountId, accounts.id))
    .where(and(eq(accounts.orgId, orgId), eq(accounts.id, accountId)));
  if (!row) return null;
  const [milestones, domains] = await Promise.all([
    listAccountMilestones(db, orgId, accountId),
    db.select({ domain: accountDomains.domain, isPrimary: accountDomains.isPrimary }).from(accountDomains)
      .where(and(eq(accountDomains.orgId, orgId), eq(accountDomains.accountId, accountId))).orderBy(desc(accountDomains.isPrimary), asc(accountDomains.domain)),
  ]);
  return { ...row, milestones, domains };
}

export interface AccountListQuery {
  status?: AccountStatus | undefined;
  q?: string | undefined;
  page: number;
  pageSize: number;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function listAccounts(db: Queryable, orgId: string, query: AccountListQuery) {
  const filters = [eq(accounts.orgId, orgId)];
  if (query.status) filters.push(eq(accounts.status, query.status));
  if (query.q) filters.push(ilike(accounts.searchText, `%${escapeLike(query.q.toLowerCase())}%`));
  const where = and(...filters);
  const [items, [counted]] = await Promise.all([
    db.select({
      id: accounts.id, companyName: accounts.companyName, arr: accounts.arr, status: accounts.status,
      primaryDomain: accounts.primaryDomain, primaryContactName: accounts.primaryContactName,
      primaryContactEmail: accounts.primaryContactEmail, csmEmail: users.email, csmName: users.name,
      milestonesCompleted: accounts.milestonesCompleted, milestonesTotal: accounts.milestonesTotal,
      lastActivityAt: accounts.lastActivityAt, createdAt: accounts.createdAt,
    }).from(accounts).leftJoin(users, eq(users.id, accounts.csmUserId)).where(where)
      .orderBy(desc(accounts.createdAt), desc(accounts.id))
      .limit(query.pageSize).offset((query.page - 1) * query.pageSize),
    db.select({ n: count() }).from(accounts).where(where),
  ]);
  return { items: items.map((i) => ({ ...i, mrr: Math.round(i.arr / 12) })), total: counted?.n ?? 0 };
}
