import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { outboxEmails } from '../db/schema/index.ts';
import { accountBody, createHarness, eventually, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

// SPEC §3 says 2 days, 5 days and 7 days; the durations come from org settings, so seconds here.
const FAST = { handoffReminderDelaysSeconds: [2, 4], handoffEscalationDelaySeconds: 6 };

async function emailsOf(accountId: string) {
  return h.database.db.select({ kind: outboxEmails.kind, to: outboxEmails.toAddresses, subject: outboxEmails.subject, links: outboxEmails.links })
    .from(outboxEmails).where(eq(outboxEmails.accountId, accountId)).orderBy(asc(outboxEmails.createdAt));
}

describe('an unanswered handoff', () => {
  it('reminds the AE twice with the same link, then escalates to the admins', async () => {
    const org = await h.newOrganisation(FAST);
    const { id } = await (await org.api('/api/accounts', { body: accountBody({ companyName: 'Slowpoke Inc' }) })).json() as { id: string };
    const emails = await eventually(async () => {
      const all = await emailsOf(id);
      return all.some((e) => e.kind === 'handoff_escalation') ? all : undefined;
    }, { what: 'the escalation', timeoutMs: 30_000 });
    expect(emails.map((e) => e.kind)).toEqual(['handoff_link', 'handoff_reminder', 'handoff_reminder', 'handoff_escalation']);
    expect(emails[1]?.subject).toBe('Reminder: hand Slowpoke Inc over to customer success');
    expect(emails[1]?.links).toEqual(emails[0]?.links);
    expect(emails[3]?.to).toEqual([org.adminEmail]);
    // The link still works after the reminders.
    const submitted = await h.app.request(new URL(emails[0]!.links[0]!).pathname, { method: 'POST', body: new URLSearchParams({ csmUserId: org.csms[0]!.id }) });
    expect(submitted.status).toBe(200);
  });

  it('stops reminding once the AE submits', async () => {
    const org = await h.newOrganisation(FAST);
    const { id } = await (await org.api('/api/accounts', { body: accountBody() })).json() as { id: string };
    const link = await eventually(async () => (await emailsOf(id)).find((e) => e.kind === 'handoff_reminder')?.links[0], { what: 'the first reminder' });
    expect((await h.app.request(new URL(link).pathname, { method: 'POST', body: new URLSearchParams({ csmUserId: org.csms[0]!.id }) })).status).toBe(200);
    // Past the second reminder and the escalation: nothing more was sent to the AE or the admins.
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await emailsOf(id)).map((e) => e.kind)).toEqual(['handoff_link', 'handoff_reminder', 'csm_assigned']);
  });

  it('revokes the old link when a new one is sent', async () => {
    const org = await h.newOrganisation();
    const { id } = await (await org.api('/api/accounts', { body: accountBody() })).json() as { id: string };
    const oldLink = await eventually(async () => (await emailsOf(id))[0]?.links[0], { what: 'the first link' });
    const resent = await org.api(`/api/accounts/${id}/handoff/resend`, { body: {} });
    expect(resent.status).toBe(200);
    const newLink = (await emailsOf(id)).map((e) => e.links[0]).find((l) => l !== oldLink);
    expect(newLink).toBeDefined();
    expect((await h.app.request(new URL(oldLink).pathname)).status).toBe(404);
    expect((await h.app.request(new URL(newLink!).pathname)).status).toBe(200);
  });
});
