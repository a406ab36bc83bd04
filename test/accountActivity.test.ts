import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { insertAccountWithDomains } from '../db/repositories/accounts.ts';
import { findCurrentTemplateVersion } from '../db/repositories/templates.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { accounts } from '../db/schema/index.ts';
import { createHarness, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
let org: TestOrganisation;
beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  org = await h.newOrganisation();
});
afterAll(async () => { await h?.close(); });

async function newAccount(lastActivityAt: Date): Promise<string> {
  const id = randomUUID();
  const version = await findCurrentTemplateVersion(h.database.db, org.orgId, { templateName: 'Quick Start' });
  await insertAccountWithDomains(h.database.db, {
    id, orgId: org.orgId, companyName: `Activity ${id.slice(0, 8)}`, arr: 1000, closeDate: '2026-10-01',
    primaryContactName: 'Pat', primaryContactEmail: `pat@${id.slice(0, 8)}.example`, primaryDomain: `${id.slice(0, 8)}.example`,
    status: 'active', templateVersionId: version!.id, workflowId: `account-${id}`, lastActivityAt,
  }, [`${id.slice(0, 8)}.example`]);
  return id;
}

/** The account's last activity and its row version (xmin changes with every write of the row). */
async function rowOf(id: string) {
  const [row] = await h.database.db.select({ lastActivityAt: accounts.lastActivityAt, version: sql<string>`xmin::text` })
    .from(accounts).where(and(eq(accounts.orgId, org.orgId), eq(accounts.id, id)));
  return row!;
}

const event = (id: string, n: number) => recordTimelineEvent(h.database.db, {
  orgId: org.orgId, accountId: id, type: 'note', actor: 'relay', message: `note ${n}`, dedupeKey: `${id}:note:${n}`,
});

describe("an account's last activity", () => {
  it('moves to now when something happens after a quiet spell, so the list sorts it first', async () => {
    const id = await newAccount(new Date(Date.now() - 3 * 86_400_000));
    await event(id, 1);
    expect(Date.now() - (await rowOf(id)).lastActivityAt.getTime()).toBeLessThan(60_000);
  });

  it('is not written again by events within a minute of the last: a flurry of timeline events rewrites the row once', async () => {
    const id = await newAccount(new Date(Date.now() - 5 * 60_000));
    await event(id, 1);
    const first = await rowOf(id);
    for (let n = 2; n <= 6; n++) await event(id, n);
    const after = await rowOf(id);
    expect(after.version).toBe(first.version);
    expect(after.lastActivityAt.getTime()).toBe(first.lastActivityAt.getTime());
  });
});
