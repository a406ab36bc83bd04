import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import { listHeldEmails } from '../../db/repositories/devOutbox.ts';
import { outboxEmails } from '../../db/schema/index.ts';
import { DevOutboxEmailPage, DevOutboxPage } from '../../ui/pages/DevOutboxPage.tsx';
import type { AppDeps } from '../deps.ts';

export function devOutboxRoutes(deps: AppDeps) {
  return new Hono()
    .get('/', async (c) => c.html(<DevOutboxPage emails={await listHeldEmails(deps.db, 200)} />))
    .get('/:id', async (c) => {
      const [email] = await deps.db.select().from(outboxEmails).where(eq(outboxEmails.id, c.req.param('id')));
      if (!email || email.status !== 'held') return c.text('Not found', 404);
      return c.html(<DevOutboxEmailPage subject={email.subject} html={email.html} />);
    });
}
