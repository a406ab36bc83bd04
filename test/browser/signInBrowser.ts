import { and, desc, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { outboxEmails } from '../../db/schema/index.ts';
import { eventually, type TestOrganisation } from '../harness.ts';
import { onServedApp, type BrowserSession } from './chromium.ts';

/** Signs in the way a person does: the form, the emailed link, the confirm button. */
export async function signInBrowser(page: Page, session: BrowserSession, org: TestOrganisation, email = org.adminEmail): Promise<void> {
  await page.goto(`${session.served.baseUrl}/accounts`);
  expect(new URL(page.url()).pathname).toBe('/login');
  const signInEmails = async () => (await session.h.database.db.select().from(outboxEmails)
    .where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, 'sign_in')))
    .orderBy(desc(outboxEmails.createdAt))).filter((m) => m.toAddresses.includes(email));
  const earlier = new Set((await signInEmails()).map((m) => m.id));
  await page.getByLabel('Work email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  // The link is sent after the answer (a sendSignInLinks run): wait for this request's email.
  const mail = await eventually(async () => (await signInEmails()).find((m) => !earlier.has(m.id)), { what: `a sign-in email to ${email}` });
  await page.goto(onServedApp(mail.links[0]!, session.served));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/accounts$/);
}
