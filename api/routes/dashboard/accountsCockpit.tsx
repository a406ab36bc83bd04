import { Hono, type Context } from 'hono';
import { fieldErrors } from '../../../domain/accountInput.ts';
import {
  bulkActionFormSchema, bulkAssignCsm, bulkChangeStatus, bulkSelection, describeBulkOutcome,
} from '../../../services/bulkAccountActions.ts';
import { RelayError } from '../../../services/errors.ts';
import { accountsCsv, exportFilename } from '../../../services/imports/accountsCsv.ts';
import { deleteListView, saveListView } from '../../../services/savedViews.ts';
import { LIST_PARAMS, listHref, type ListValues } from '../../../ui/pages/AccountsListPage.tsx';
import { accountListQuerySchema } from '../../accountListQuery.ts';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { csvDownload } from '../imports.ts';
import { setFlash, type Flash } from './accountFlash.ts';

/** A query string as the list writes it: only the list's parameters, blanks and defaults left out. */
export function canonicalListQuery(query: string): string {
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  const values: ListValues = Object.fromEntries(LIST_PARAMS.flatMap((k) => {
    const v = params.get(k);
    return v === null ? [] : [[k, v]];
  }));
  return listHref(values).replace(/^\/accounts\??/, '');
}

/** The list to go back to: only a query string the list itself could have written (never another address). */
function backToList(back: unknown): string {
  const query = typeof back === 'string' ? canonicalListQuery(back) : '';
  return query ? `/accounts?${query}` : '/accounts';
}

const firstError = (error: RelayError) => error.details.fields?.[0]?.message ?? error.message;

/**
 * The list's forms (issue 14): bulk actions on the selected accounts, and saving or deleting a view.
 * Each answers with a redirect back to the list and a flash saying what happened, so a reload never
 * repeats it; the export answers with the CSV itself. The CSRF check runs before these (dashboard).
 */
export function accountsCockpitRoutes(deps: AppDeps) {
  const back = (c: Context<DashboardEnv>, to: string, flash: Flash) => {
    setFlash(c, flash, deps.secureCookies);
    return c.redirect(to, 303);
  };

  return new Hono<DashboardEnv>()
    .post('/bulk', async (c) => {
      const user = c.get('user');
      const body = await c.req.parseBody({ all: true });
      const to = backToList(body.back);
      const parsed = bulkActionFormSchema.safeParse(body);
      if (!parsed.success) {
        const [first] = fieldErrors(parsed.error);
        return back(c, to, { kind: 'error', message: `Nothing was changed: ${first?.message ?? 'the form was not complete'}.` });
      }
      const form = parsed.data;
      let ids: string[];
      try {
        ids = bulkSelection(form);
      } catch (error) {
        if (!(error instanceof RelayError)) throw error;
        return back(c, to, { kind: 'error', message: `Nothing was changed: ${error.message}` });
      }
      if (form.action === 'export') {
        // Another organisation's IDs simply match nothing: the export reads this organisation's rows only.
        return csvDownload(accountsCsv(deps.db, user.orgId, { accountIds: ids }), exportFilename().replace(/\.csv$/, '-selection.csv'));
      }
      try {
        if (form.action === 'change_status') {
          const outcome = await bulkChangeStatus(deps, user.orgId, ids, form.status!, user.email, form.requestId);
          return back(c, to, { kind: outcome.moved.length ? 'ok' : 'error', message: describeBulkOutcome(outcome, 'moved') });
        }
        const outcome = await bulkAssignCsm(deps, user.orgId, ids, form.csmUserId!, user.email, form.requestId);
        return back(c, to, { kind: outcome.moved.length ? 'ok' : 'error', message: describeBulkOutcome(outcome, `assigned to ${outcome.csmName}`) });
      } catch (error) {
        if (!(error instanceof RelayError) || error.code !== 'validation') throw error;
        return back(c, to, { kind: 'error', message: `Nothing was changed: ${firstError(error)}.` });
      }
    })

    .post('/views', async (c) => {
      const user = c.get('user');
      const body = await c.req.parseBody();
      const query = typeof body.query === 'string' ? canonicalListQuery(body.query) : '';
      const to = query ? `/accounts?${query}` : '/accounts';
      // A view is a list the page can show: its query passes the list's own rules.
      const valid = accountListQuerySchema.safeParse(Object.fromEntries(new URLSearchParams(query)));
      if (!valid.success) return back(c, '/accounts', { kind: 'error', message: 'That view has filters Relay cannot use; it was not saved.' });
      try {
        const view = await saveListView(deps.db, user, { ...body, query }, canonicalListQuery);
        return back(c, to, { kind: 'ok', message: `View "${view.name}" saved${view.ownerUserId === null ? ' and shared with the organisation' : ''}.` });
      } catch (error) {
        if (!(error instanceof RelayError) || error.code !== 'validation') throw error;
        return back(c, to, { kind: 'error', message: `The view was not saved: ${firstError(error)}.` });
      }
    })

    .post('/views/:viewId/delete', async (c) => {
      const user = c.get('user');
      try {
        const view = await deleteListView(deps.db, user, c.req.param('viewId'));
        return back(c, '/accounts', { kind: 'ok', message: `View "${view.name}" deleted.` });
      } catch (error) {
        if (!(error instanceof RelayError) || (error.code !== 'not_found' && error.code !== 'forbidden')) throw error;
        return back(c, '/accounts', { kind: 'error', message: error.code === 'not_found' ? 'No such view (it may have been deleted already).' : error.message });
      }
    });
}
