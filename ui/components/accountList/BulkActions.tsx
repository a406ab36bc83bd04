import type { Child } from 'hono/jsx';
import { LIFECYCLE_STATUSES, type LifecycleStatus } from '../../../domain/lifecycle.ts';
import { CsrfField } from '../CsrfField.tsx';

export interface BulkOptions {
  /** The CSMs an account can be assigned to. */
  csms: { id: string; name: string; email: string }[];
  /** Written into the form: the same form sent twice is one change per account. */
  requestId: string;
  /** The most accounts one action takes (shown so nobody meets the cap by surprise). */
  limit: number;
}

const STATUS_LABELS: Record<LifecycleStatus, string> = {
  pending_handoff: 'Pending handoff', active: 'Active', at_risk: 'At risk', completed: 'Completed', churned: 'Churned',
};

/**
 * The form around the list's table: a checkbox per row (RowSelect), "select all on this page", and
 * the actions. Plain HTML: each action is its own submit button, so it works without JavaScript;
 * "select all" sends the page's IDs (written into the form) rather than ticking every box.
 */
export function BulkForm(p: { csrfToken: string; options: BulkOptions; back: string; pageIds: string[]; children: Child }) {
  const o = p.options;
  return (
    <form method="post" action="/accounts/bulk" class="bulk-form" id="bulk" aria-label="Bulk actions on the selected accounts">
      <CsrfField token={p.csrfToken} />
      <input type="hidden" name="requestId" value={o.requestId} />
      <input type="hidden" name="back" value={p.back} />
      {p.pageIds.map((id) => <input type="hidden" name="pageIds" value={id} />)}
      <div class="card bulk-bar">
        <label class="checkbox select-all"><input type="checkbox" id="select-all" name="allOnPage" value="yes" /> Select all {p.pageIds.length} on this page</label>
        <div class="bulk-action">
          <label for="bulk-csm">Assign CSM</label>
          <span class="bulk-pair">
            <select id="bulk-csm" name="csmUserId">
              <option value="">Choose a CSM…</option>
              {o.csms.map((u) => <option value={u.id}>{u.name}</option>)}
            </select>
            <button type="submit" name="action" value="assign_csm" class="secondary">Assign</button>
          </span>
        </div>
        <div class="bulk-action">
          <label for="bulk-status">Change status</label>
          <span class="bulk-pair">
            <select id="bulk-status" name="status">
              <option value="">Choose a status…</option>
              {LIFECYCLE_STATUSES.filter((s) => s !== 'pending_handoff').map((s) => <option value={s}>{STATUS_LABELS[s]}</option>)}
            </select>
            <button type="submit" name="action" value="change_status" class="secondary">Change status</button>
          </span>
        </div>
        <div class="bulk-action">
          <button type="submit" name="action" value="export" class="secondary">Export selection (CSV)</button>
        </div>
        <p class="small muted bulk-note">Up to {o.limit} accounts at a time. Each account changes through its own lifecycle, so some may refuse (a completed account keeps its status).</p>
      </div>
      {p.children}
    </form>
  );
}

/** A row's checkbox, labelled with the company so a screen reader says what it selects. */
export function RowSelect(p: { id: string; name: string }) {
  return (
    <label class="row-select">
      <input type="checkbox" name="ids" value={p.id} form="bulk" />
      <span class="visually-hidden">Select {p.name}</span>
    </label>
  );
}
