import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createApp } from '../api/app.tsx';
import { outboxEmails } from '../db/schema/index.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

async function linkPath(org: TestOrganisation, companyName: string): Promise<string> {
  const { id } = await (await org.api('/api/accounts', { body: accountBody({ companyName }) })).json() as { id: string };
  const link = await eventually(async () => (await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.accountId, id)))[0]?.links[0], { what: 'the handoff link' });
  return new URL(link).pathname;
}

describe('handoff links that must not work', () => {
  it('refuses a tampered token with a page that names no account', async () => {
    const org = await h.newOrganisation();
    const path = await linkPath(org, 'Tamper Target Ltd');
    const last = path.at(-1) === 'A' ? 'B' : 'A';
    const tampered = `${path.slice(0, -1)}${last}`;
    for (const p of [tampered, '/handoff/short', `${path}x`]) {
      const res = await h.app.request(p);
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).toContain('not valid');
      expect(html).not.toContain('Tamper Target');
    }
    const post = await h.app.request(tampered, { method: 'POST', body: new URLSearchParams({ csmUserId: org.csms[0]!.id }) });
    expect(post.status).toBe(404);
  });

  it('refuses an expired link, and a submission through it', async () => {
    const org = await h.newOrganisation({ handoffTokenTtlSeconds: 1 });
    const path = await linkPath(org, 'Expiry Co');
    await new Promise((r) => setTimeout(r, 1_200));
    const res = await h.app.request(path);
    expect(res.status).toBe(410);
    const html = await res.text();
    expect(html).toContain('expired');
    expect(html).not.toContain('Expiry Co');
    expect((await h.app.request(path, { method: 'POST', body: new URLSearchParams({ csmUserId: org.csms[0]!.id }) })).status).toBe(410);
  });

  it('slows down a client that tries many links', async () => {
    const limited = createApp({ ...h.deps, handoffRateLimit: { limit: 3, windowMs: 60_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await limited.request(`/handoff/${'x'.repeat(43)}`)).status);
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    const res = await limited.request(`/handoff/${'y'.repeat(43)}`);
    expect(res.headers.get('retry-after')).not.toBeNull();
    expect(await res.text()).toContain('Too many attempts');
  });
});
