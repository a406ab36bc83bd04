import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { getOrganisationName } from '../../../db/repositories/organisations.ts';
import { changeUserRole, findUserById, insertUser, listUsersWithLastSignIn } from '../../../db/repositories/users.ts';
import type { users } from '../../../db/schema/users.ts';
import { USER_ROLES } from '../../../domain/users.ts';
import { log } from '../../../platform/log.ts';
import { sendSignInLink } from '../../../services/signInLinks.ts';
import { invitationEmail } from '../../../ui/emails/invitationEmail.tsx';
import { ForbiddenPage } from '../../../ui/pages/SignInPages.tsx';
import type { PageShell } from '../../../ui/pages/TemplatesPages.tsx';
import { UsersPage, type InviteFormValues } from '../../../ui/pages/UsersPages.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { requireAdmin } from '../../middleware/requireAdmin.ts';
import { readFormBody } from '../../middleware/storableInput.ts';

type Ctx = Context<DashboardEnv>;

/** An invitation may sit in an inbox for a while, unlike a sign-in link someone just asked for. */
const INVITATION_LINK_DAYS = 3;

const inviteSchema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(120, 'Name is at most 120 characters'),
  email: z.string().trim().toLowerCase().max(254, 'Email is too long').pipe(z.email('Enter a valid email address')),
  role: z.enum(USER_ROLES, { error: 'Choose Admin or CSM' }),
});
const roleSchema = z.object({ role: z.enum(USER_ROLES) });

const EMPTY_INVITE: InviteFormValues = { name: '', email: '', role: 'csm' };
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** Admins only (SPEC §4): list people, invite them, change roles; an organisation always keeps an admin. */
export function usersRoutes(deps: AppDeps) {
  const adminOnly = requireAdmin((c) => c.html(<ForbiddenPage message="Only admins can manage users." />, 403));
  const shell = (c: Ctx): PageShell => ({ viewer: c.get('user'), csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox });

  async function page(c: Ctx, opts: { status?: 200 | 404 | 409 | 422 | 503; invite?: InviteFormValues; inviteErrors?: Record<string, string>; flash?: { kind: 'ok' | 'error'; text: string } } = {}) {
    const rows = await listUsersWithLastSignIn(deps.db, c.get('user').orgId);
    return c.html(
      <UsersPage {...shell(c)} users={rows} invite={opts.invite ?? EMPTY_INVITE} inviteErrors={opts.inviteErrors ?? {}} {...(opts.flash ? { flash: opts.flash } : {})} />,
      opts.status ?? 200,
    );
  }

  /** A single-use link through the same outbox and mailer as sign-in, so the dev outbox shows it too. */
  async function sendInvitation(c: Ctx, user: typeof users.$inferSelect): Promise<void> {
    const orgName = await getOrganisationName(deps.db, user.orgId) ?? 'your team';
    await sendSignInLink(deps, user, {
      kind: 'invitation', validForMs: INVITATION_LINK_DAYS * 86_400_000,
      compose: (link) => invitationEmail({
        name: user.name, invitedBy: c.get('user').name, orgName, role: user.role,
        link, loginUrl: `${deps.publicUrl}/login`, days: INVITATION_LINK_DAYS,
      }),
    });
  }

  async function notedUser(c: Ctx) {
    const id = c.req.query('user');
    return id ? findUserById(deps.db, c.get('user').orgId, id) : null;
  }

  return new Hono<DashboardEnv>()
    .use('*', adminOnly)
    .get('/', async (c) => {
      const done = c.req.query('done');
      const who = await notedUser(c);
      const flash = done === 'invited' && who ? `Invited ${who.name} (${who.email}); the sign-in link is on its way.`
        : done === 'role' && who ? `${who.name} is now ${who.role === 'admin' ? 'an admin' : 'a CSM'}.`
          : done === 'link' && who ? `Emailed a sign-in link to ${who.email}.`
            : undefined;
      return page(c, flash ? { flash: { kind: 'ok', text: flash } } : {});
    })
    .post('/invite', async (c) => {
      const { body, refused } = await readFormBody(c);
      const typed: InviteFormValues = { name: text(body.name), email: text(body.email), role: text(body.role) };
      const parsed = inviteSchema.safeParse(typed);
      if (!parsed.success || Object.keys(refused).length) {
        const inviteErrors: Record<string, string> = { ...refused };
        for (const issue of parsed.error?.issues ?? []) inviteErrors[String(issue.path[0] ?? 'email')] ??= issue.message;
        return page(c, { status: 422, invite: typed, inviteErrors });
      }
      const created = await insertUser(deps.db, c.get('user').orgId, parsed.data);
      if (created.outcome === 'email_taken') {
        return page(c, { status: 422, invite: typed, inviteErrors: { email: 'Someone in this organisation already uses this email.' } });
      }
      try {
        await sendInvitation(c, created.user);
      } catch (error) {
        log.error('invitation email failed', { orgId: created.user.orgId, userId: created.user.id, error: error instanceof Error ? error.message : String(error) });
        return page(c, { status: 503, flash: { kind: 'error', text: `${created.user.name} was added, but the invitation email could not be sent. Use "Email a sign-in link" to try again.` } });
      }
      return c.redirect(`/users?done=invited&user=${created.user.id}`, 303);
    })
    .post('/:id/role', async (c) => {
      const parsed = roleSchema.safeParse(await c.req.parseBody());
      if (!parsed.success) return page(c, { status: 422, flash: { kind: 'error', text: 'Choose Admin or CSM.' } });
      const userId = c.req.param('id');
      const result = await changeUserRole(deps.db, c.get('user').orgId, userId, parsed.data.role);
      if (result.outcome === 'not_found') return c.notFound();
      if (result.outcome === 'last_admin') {
        return page(c, { status: 409, flash: { kind: 'error', text: 'This is the only admin. Make someone else an admin first, so the organisation keeps one.' } });
      }
      // Someone who just gave up their own admin role can no longer see this page.
      if (userId === c.get('user').id && parsed.data.role !== 'admin') return c.redirect('/accounts', 303);
      return c.redirect(`/users?done=role&user=${userId}`, 303);
    })
    .post('/:id/sign-in-link', async (c) => {
      const user = await findUserById(deps.db, c.get('user').orgId, c.req.param('id'));
      if (!user) return c.notFound();
      try {
        await sendInvitation(c, user);
      } catch (error) {
        log.error('sign-in link email failed', { orgId: user.orgId, userId: user.id, error: error instanceof Error ? error.message : String(error) });
        return page(c, { status: 503, flash: { kind: 'error', text: `The email to ${user.email} could not be sent. Try again in a moment.` } });
      }
      return c.redirect(`/users?done=link&user=${user.id}`, 303);
    });
}
