import { Hono } from 'hono';
import { findHeldEmail, listHeldEmails } from '../../db/repositories/outbox.ts';
import { DevOutboxEmailPage, DevOutboxPage } from '../../ui/pages/DevOutboxPage.tsx';
import type { AppDeps } from '../deps.ts';

/**
 * The framed email's own policy: a sandbox without scripts or an origin of its own, nothing loaded
 * but inline styles and our images, framed by Relay's pages only. Its links may still be opened.
 */
const EMAIL_FRAME_POLICY = [
  'sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation',
  "default-src 'none'", "style-src 'unsafe-inline'", "img-src 'self' data:", "frame-ancestors 'self'", "base-uri 'none'", "form-action 'none'",
].join('; ');

export function devOutboxRoutes(deps: AppDeps) {
  return new Hono()
    .get('/', async (c) => c.html(<DevOutboxPage emails={await listHeldEmails(deps.db, 200)} />))
    .get('/:id', async (c) => {
      const email = await findHeldEmail(deps.db, c.req.param('id'));
      if (!email) return c.text('Not found', 404);
      return c.html(<DevOutboxEmailPage id={email.id} subject={email.subject} />);
    })
    // The stored HTML exactly as sent, as a document of its own (never pasted into our page's markup).
    .get('/:id/html', async (c) => {
      const email = await findHeldEmail(deps.db, c.req.param('id'));
      if (!email) return c.text('Not found', 404);
      c.header('Content-Security-Policy', EMAIL_FRAME_POLICY);
      return c.html(email.html);
    });
}
