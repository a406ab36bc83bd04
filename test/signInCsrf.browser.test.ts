// Login CSRF in a real browser: another site's page that posts a sign-in link's token to
// /login/verify must not sign the visitor in; Relay's own confirm button must.
import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { onServedApp, useBrowserSession } from './browser/chromium.ts';
import { nextSignInEmail } from './dashboardClient.ts';

const session = useBrowserSession();

/** A page on another origin (localhost, not 127.0.0.1) that submits a hidden form to Relay on load. */
async function attackerSite(target: string, token: string): Promise<{ url: string; close(): Promise<void> }> {
  const html = `<!doctype html><form id="f" method="post" action="${target}/login/verify"><input type="hidden" name="token" value="${token}"></form>
    <script>document.getElementById('f').submit()</script>`;
  const server: Server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(html); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://localhost:${port}/`, close: () => new Promise((resolve) => { server.close(() => resolve()); }) };
}

describe('sign-in confirmation in Chromium', () => {
  it('refuses a token posted by another site\'s page, and accepts the same token from Relay\'s own button', async () => {
    const org = await session.h.newOrganisation();
    expect((await session.h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail }) })).status).toBe(200);
    const mail = await nextSignInEmail(session.h, org.adminEmail);
    const token = new URL(mail.links[0]!).searchParams.get('token')!;

    const context = await session.browser.newContext();
    const page = await context.newPage();
    const attacker = await attackerSite(session.served.baseUrl, token);
    try {
      const refused = page.waitForResponse((r) => r.url().endsWith('/login/verify') && r.request().method() === 'POST');
      await page.goto(attacker.url);
      expect((await refused).status()).toBe(403);
      await page.waitForLoadState();
      expect(await page.locator('h1').textContent()).toContain('did not go through');
      expect((await context.cookies(session.served.baseUrl)).map((c) => c.name)).not.toContain('relay_session');
    } finally {
      await attacker.close();
    }

    await page.goto(onServedApp(mail.links[0]!, session.served));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/accounts$/);
    expect((await context.cookies(session.served.baseUrl)).map((c) => c.name)).toContain('relay_session');
    await context.close();
  });
});
