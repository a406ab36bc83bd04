import { Hono } from 'hono';
import { countCrmLinkedAccounts } from '../../../db/repositories/connectors.ts';
import { countAccountsByStatus, listAccountsWithStatusCounts } from '../../../db/repositories/accounts.ts';
import { DEFAULT_SORT_DIRECTION } from '../../../domain/accountList.ts';
import { listAccountFilterOptions } from '../../../db/repositories/listOptions.ts';
import { fieldErrors } from '../../../domain/accountInput.ts';
import { AccountsListPage, LIST_PARAMS, type ListValues } from '../../../ui/pages/AccountsListPage.tsx';
import { accountListQuerySchema, toAccountListQuery, type AccountListParams } from '../../accountListQuery.ts';
import type { AppDeps, DashboardEnv } from '../../deps.ts';

// The page writes links with exactly the parameters the schema reads.
LIST_PARAMS satisfies readonly (keyof AccountListParams)[];

/**
 * The accounts list. Every bit of state lives in the query string, so a view can be bookmarked and
 * shared; a parameter Relay cannot read is a 400 page that names it (the same rule as the API),
 * never silently ignored, so a shared link never shows something other than what it says.
 * CSMs and admins alike see every account of their organisation.
 */
export function accountsListRoutes(deps: AppDeps) {
  return new Hono<DashboardEnv>().get('/', async (c) => {
    const user = c.get('user');
    const raw = c.req.query();
    const values: ListValues = Object.fromEntries(LIST_PARAMS.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]!]));
    const parsed = accountListQuerySchema.safeParse(raw);
    const now = new Date();
    const layout = { viewer: user, csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox, values, now };
    const options = await listAccountFilterOptions(deps.db, user.orgId);
    if (!parsed.success) {
      return c.html(<AccountsListPage {...layout} options={options} errors={fieldErrors(parsed.error)} result={null} orgTotal={null} />, 400);
    }
    const query = toAccountListQuery(parsed.data);
    const filtered = Object.entries(query).some(([k, v]) => v !== undefined && !['status', 'sort', 'dir', 'page', 'pageSize'].includes(k));
    const [list, orgTotal, crmLinked] = await Promise.all([
      listAccountsWithStatusCounts(deps.db, user.orgId, query, now),
      // Without filters the tab counts already add up to the org's total.
      filtered ? countAccountsByStatus(deps.db, user.orgId, {}, now).then((counts) => Object.values(counts).reduce((a, b) => a + b, 0)) : null,
      countCrmLinkedAccounts(deps.db, user.orgId),
    ]);
    const sort = query.sort ?? 'created';
    return c.html(
      <AccountsListPage {...layout} options={options} errors={[]} orgTotal={orgTotal ?? list.all} crmLinked={crmLinked}
        result={{ ...list, page: query.page, pageSize: query.pageSize, sort, dir: query.dir ?? DEFAULT_SORT_DIRECTION[sort] }} />,
    );
  });
}
