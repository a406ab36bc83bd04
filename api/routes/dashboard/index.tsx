import { Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { revokeSession } from '../../../db/repositories/sessions.ts';
import { ForbiddenPage } from '../../../ui/pages/SignInPages.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { csrfToken } from '../../middleware/csrfToken.ts';
import { dashboardSession, SESSION_COOKIE } from '../../middleware/dashboardSession.ts';
import { accountCreateRoutes } from './accountCreate.tsx';
import { accountDetailRoutes } from './accountDetail.tsx';
import { accountEditRoutes } from './accountEdit.tsx';
import { accountsListRoutes } from './accountsList.tsx';
import { followUpRoutes } from './followUp.tsx';
import { dashboardImportUploadLimit, importsRoutes } from './imports.tsx';
import { tasksRoutes } from './tasks.tsx';
import { templatesRoutes } from './templates.tsx';
import { settingsRoutes } from './settings.tsx';
import { hubspotOAuthCallbackRoutes } from './connectors.tsx';
import { usersRoutes } from './users.tsx';

/**
 * Everything behind sign-in. Each area is a router of its own mounted here; all of them get the
 * session (c.var.user, whose orgId scopes every query) and the CSRF check on every POST.
 */
export const DASHBOARD_AREAS = ['/accounts', '/templates', '/users', '/imports', '/settings', '/connectors', '/follow-up', '/tasks', '/logout'] as const;

export function dashboardRoutes(deps: AppDeps) {
  const app = new Hono<DashboardEnv>();
  const session = dashboardSession(deps.db);
  const csrf = csrfToken((c) => c.html(<ForbiddenPage message="The form had expired or did not come from Relay. Reload the page and try again." />, 403));
  app.use('/imports', dashboardImportUploadLimit);
  // Guard the dashboard's own paths only, so /api and /handoff keep their own 404s and auth.
  for (const area of DASHBOARD_AREAS) app.use(area, session, csrf).use(`${area}/*`, session, csrf);
  app.post('/logout', async (c) => {
    await revokeSession(deps.db, c.get('sessionId'));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });
  app.route('/accounts', accountsListRoutes(deps));
  // Before the detail routes, so /accounts/new is not read as an account ID.
  app.route('/accounts', accountCreateRoutes(deps));
  app.route('/accounts', accountEditRoutes(deps));
  app.route('/accounts', accountDetailRoutes(deps));
  app.route('/follow-up', followUpRoutes(deps));
  app.route('/tasks', tasksRoutes(deps));
  app.route('/templates', templatesRoutes(deps));
  app.route('/users', usersRoutes(deps));
  app.route('/imports', importsRoutes(deps));
  app.route('/settings', settingsRoutes(deps));
  // HubSpot's OAuth redirect lands here (its URL is registered with HubSpot, so it is not under /settings).
  app.route('/connectors', hubspotOAuthCallbackRoutes(deps));
  return app;
}
