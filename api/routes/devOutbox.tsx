import { Hono } from 'hono';
import { findHeldEmail, listHeldEmails } from '../../db/repositories/outbox.ts';
import { DevOutboxEmailPage, DevOutboxPage } from '../../ui/pages/DevOutboxPage.tsx';
import type { AppDeps } from '../deps.ts';

export function devOutboxRoutes(deps: AppDeps) {
  return new Hono()
    .get('/', async (c) => c.html(<DevOutboxPage emails={await listHeldEmails(deps.db, 200)} />))
    .get('/:id', async (c) => {
      const email = await findHeldEmail(deps.db, c.req.param('id'));
      if (!email) return c.text('Not found', 404);
      return c.html(<DevOutboxEmailPage subject={email.subject} html={email.html} />);
    });
}
