import { Hono } from 'hono';
import { countCrmLinkedAccounts } from '../../../db/repositories/connectors.ts';
import { countAccountsByStatus, listAccountsWithPortfolio } from '../../../db/repositories/accounts.ts';
import { listUsersByRole } from '../../../db/repositories/users.ts';
import { CSM_ANYONE, DEFAULT_SORT_DIRECTION } from '../../../domain/accountList.ts';
import { BULK_SELECTION_LIMIT } from '../../../services/bulkAccountActions.ts';
import { canDeleteView, listViewsFor } from '../../../services/savedViews.ts';
import { listAccountFilterOptions } from '../../../db/repositories/listOptions.ts';
import { fieldErrors } from '../../../domain/accountInput.ts';
import { AccountsListPage, LIST_PARAMS, listHref, type ListValues } from '../../../ui/pages/AccountsListPage.tsx';
import { randomUUID } from 'node:crypto';
import { accountsCockpitRoutes, canonicalListQuery } from './accountsCockpit.tsx';
import { takeFlash } from './accountFlash.ts';
import { accountListQuerySchema, toAccountListQuery, type AccountListParams } from '../../accountListQuery.ts';
import type { AppDeps, DashboardEnv } from '../../deps.ts';

// The page writes links with exactly the parameters the schema reads.
LIST_PARAMS satisfies readonly (keyof AccountListParams)[];

/**
 * The accounts list. Every bit of state lives in the query string, so a view can be bookmarked and
 * shared; a parameter Relay cannot read is a 400 page that names it (the same rule as the API),
 * never silently ignored, so a shared link never shows something other than what it says.
 * CSMs and admins alike may see every account of their organisation; a CSM's list starts at their own
 * accounts ("My accounts", no `csm` in the URL), with `csm=all` for everyone's (issue 14).
 * The filter form's submit button is named (`apply`): what it sends is answered with a redirect to
 * the clean URL (blank fields, defaults and the viewer's own default CSM left out).
 */
export function accountsListRoutes(deps: AppDeps) {
  return new Hono<DashboardEnv>().route('/', accountsCockpitRoutes(deps)).get('/', async (c) => {
    const user = c.get('user');
    const raw = c.req.query();
    const values: ListValues = Object.fromEntries(LIST_PARAMS.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]!]));
    // A CSM's list without `csm` is their own accounts; choosing themselves is that same, shorter, URL.
    const csmDefault = user.role === 'csm' ? user.id : null;
    const parsed = accountListQuerySchema.safeParse(raw);
    if (raw.apply !== undefined && parsed.success) {
      const own = values.csm === (csmDefault ?? CSM_ANYONE);
      return c.redirect(listHref(values, own ? { csm: undefined } : {}), 302);
    }
    const now = new Date();
    const layout = { viewer: user, csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox, values, now };
    const options = await listAccountFilterOptions(deps.db, user.orgId);
    if (!parsed.success) {
      return c.html(<AccountsListPage {...layout} options={options} errors={fieldErrors(parsed.error)} result={null} orgTotal={null} />, 400);
    }
    const query = toAccountListQuery(parsed.data);
    if (csmDefault && parsed.data.csm === undefined) query.csm = csmDefault;
    const filtered = Object.entries(query).some(([k, v]) => v !== undefined && !['status', 'sort', 'dir', 'page', 'pageSize'].includes(k));
    const [{ portfolio, ...list }, orgTotal, crmLinked, views, csms] = await Promise.all([
      // The header covers what the filters select, every status (like the tabs), so a CSM sees their
      // own book; its figures per status are the tab counts.
      listAccountsWithPortfolio(deps.db, user.orgId, query, now),
      // Without filters the tab counts already add up to the org's total.
      filtered ? countAccountsByStatus(deps.db, user.orgId, {}, now).then((counts) => Object.values(counts).reduce((a, b) => a + b, 0)) : null,
      countCrmLinkedAccounts(deps.db, user.orgId),
      listViewsFor(deps.db, user),
      listUsersByRole(deps.db, user.orgId, 'csm'),
    ]);
    const current = canonicalListQuery(new URLSearchParams(Object.entries(values)).toString());
    // What a view saves: the list as shown, whose accounts written out (a CSM's implicit "mine", an
    // admin's implicit "all"), so a shared view shows the same accounts to everyone who opens it.
    const resolved = values.csm?.trim() ? current : canonicalListQuery(new URLSearchParams({ ...values, csm: csmDefault ?? CSM_ANYONE }).toString());
    const mine = query.csm === user.id;
    const narrowed = Object.keys(values).some((k) => !['csm', 'status', 'sort', 'dir', 'page', 'pageSize'].includes(k) && values[k as keyof ListValues]?.trim());
    const cockpit = {
      portfolio, csmDefault, query: resolved, current, flash: takeFlash(c),
      scope: `${mine ? 'your accounts' : narrowed || query.csm ? 'accounts' : 'all accounts'}${narrowed || (query.csm && !mine) ? ' under these filters' : ''}`,
      views: views.map((view) => ({
        view, href: view.query ? `/accounts?${view.query}` : '/accounts', current: view.query === current || view.query === resolved, deletable: canDeleteView(view, user),
      })),
      bulk: { csms, requestId: randomUUID(), limit: BULK_SELECTION_LIMIT },
    };
    const sort = query.sort ?? 'created';
    return c.html(
      <AccountsListPage {...layout} options={options} errors={[]} orgTotal={orgTotal ?? list.all} crmLinked={crmLinked} cockpit={cockpit}
        result={{ ...list, page: query.page, pageSize: query.pageSize, sort, dir: query.dir ?? DEFAULT_SORT_DIRECTION[sort] }} />,
    );
  });
}
