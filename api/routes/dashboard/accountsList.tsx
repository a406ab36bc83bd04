import { Hono } from 'hono';
import { listAccounts } from '../../../db/repositories/accounts.ts';
import { AppLayout } from '../../../ui/components/AppLayout.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';

// Provisional list page: replaced by the full list (filters, sort, tabs) in its own change.
export function accountsListRoutes(deps: AppDeps) {
  return new Hono<DashboardEnv>().get('/', async (c) => {
    const user = c.get('user');
    const { items, total } = await listAccounts(deps.db, user.orgId, { page: 1, pageSize: 50 });
    return c.html(
      <AppLayout title="Accounts" section="accounts" viewer={user} csrfToken={c.get('csrfToken')} devOutbox={deps.devOutbox}>
        <div class="page-head"><h1>Accounts</h1><span class="muted">{total} accounts</span></div>
        <div class="card table-wrap">
          <table>
            <thead><tr><th>Company</th><th>Status</th><th>CSM</th></tr></thead>
            <tbody>
              {items.map((a) => <tr><td><a href={`/accounts/${a.id}`}>{a.companyName}</a></td><td><span class={`status status-${a.status}`}>{a.status}</span></td><td>{a.csmName ?? '—'}</td></tr>)}
            </tbody>
          </table>
        </div>
      </AppLayout>,
    );
  });
}
