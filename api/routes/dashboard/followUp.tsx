import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { listUsersByRole } from '../../../db/repositories/users.ts';
import { changeFollowUpItem, followUpChangeSchema, loadFollowUp, type FollowUpChange, type FollowUpViewer } from '../../../services/followUp.ts';
import { RelayError } from '../../../services/errors.ts';
import { FollowUpPage } from '../../../ui/pages/FollowUpPage.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { flashCookie, type Flash } from './accountFlash.ts';

/**
 * Daily Follow-Up (issue 14) at /follow-up: the signed-in CSM's lanes (an admin picks a CSM, or sees
 * everyone's), and one form per item to snooze or dismiss it. Forms post and redirect back (no script);
 * the outcome shows once, from a cookie scoped to this page, as the account page's do.
 */

const PAGE = '/follow-up';
const pageFlash = flashCookie('relay_follow_up_flash', PAGE);

/** `csm`: a user ID, or empty for everyone (admins); nothing else is read, so a link means what it says. */
const querySchema = z.strictObject({ csm: z.string().trim().max(100, 'csm: not a person of this organisation').optional() });

/** What an item's buttons post (`do`), as the service's change. */
const DO_CHANGES: Record<string, (key: string) => FollowUpChange> = {
  dismiss: (key) => ({ action: 'dismiss', key }),
  snooze_tomorrow: (key) => ({ action: 'snooze', key, until: 'tomorrow' }),
  snooze_next_week: (key) => ({ action: 'snooze', key, until: 'next_week' }),
  restore: (key) => ({ action: 'restore', key }),
};

const pagePath = (picked: string) => (picked ? `${PAGE}?csm=${encodeURIComponent(picked)}` : PAGE);

export function followUpRoutes(deps: AppDeps) {
  const viewerOf = (c: Context<DashboardEnv>): FollowUpViewer => {
    const user = c.get('user');
    return { orgId: user.orgId, userId: user.id, role: user.role };
  };

  const back = (c: Context<DashboardEnv>, picked: string, flash: Flash) => {
    pageFlash.set(c, flash, deps.secureCookies);
    return c.redirect(pagePath(picked), 303);
  };
  const takeFlash = (c: Context<DashboardEnv>): Flash | null => pageFlash.take(c);

  return new Hono<DashboardEnv>()
    .get('/', async (c) => {
      const user = c.get('user');
      const viewer = viewerOf(c);
      const shell = { viewer: user, csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox };
      const csms = user.role === 'admin' ? await listUsersByRole(deps.db, user.orgId, 'csm') : null;
      const parsed = querySchema.safeParse(c.req.query());
      const refuse = (message: string, picked: string) => c.html(<FollowUpPage {...shell} view={null} csms={csms} picked={picked} error={message} />, 400);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(issue?.path[0] ?? 'csm');
        return refuse(issue?.code === 'unrecognized_keys' ? `Unknown parameter: ${field}. This page reads only "csm".` : issue?.message ?? 'Bad parameter.', '');
      }
      // A CSM sees their own follow-up whatever the address says; the picker is for admins.
      const picked = user.role === 'admin' ? parsed.data.csm ?? '' : '';
      try {
        const view = await loadFollowUp(deps.db, viewer, picked || null);
        return c.html(<FollowUpPage {...shell} view={view} csms={csms} picked={picked} flash={takeFlash(c)} />);
      } catch (error) {
        if (error instanceof RelayError && error.code === 'validation') return refuse(error.message, picked);
        throw error;
      }
    })

    .post('/items', async (c) => {
      const user = c.get('user');
      // Text Postgres cannot store (NUL, control characters) is refused with a 400 naming the field.
      const body = await c.req.parseBody();
      const picked = user.role === 'admin' && typeof body.csm === 'string' && body.csm.length <= 100 ? body.csm : '';
      const key = typeof body.key === 'string' ? body.key : '';
      const toChange = typeof body.do === 'string' && Object.hasOwn(DO_CHANGES, body.do) ? DO_CHANGES[body.do] : undefined;
      const parsed = toChange ? followUpChangeSchema.safeParse(toChange(key)) : null;
      if (!parsed?.success) return back(c, picked, { kind: 'error', message: 'Not done: that button did not say what to do with which item. Reload the page and try again.' });
      try {
        return back(c, picked, { kind: 'ok', message: await changeFollowUpItem(deps.db, viewerOf(c), parsed.data) });
      } catch (error) {
        if (error instanceof RelayError && error.code === 'not_found') return back(c, picked, { kind: 'error', message: `Not done: ${error.message}` });
        throw error;
      }
    });
}
