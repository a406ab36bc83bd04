import type { PortfolioSummary } from '../../../db/repositories/accounts.ts';
import { LIFECYCLE_STATUSES, type LifecycleStatus } from '../../../domain/lifecycle.ts';
import { count, dollars, plural } from '../../format.ts';

const LABELS: Record<LifecycleStatus, string> = {
  pending_handoff: 'Pending handoff', active: 'Active', at_risk: 'At risk', completed: 'Completed', churned: 'Churned',
};

const DAY_MS = 86_400_000;

/** "oldest 4 days", "oldest today", "oldest 1 day": how long the longest-waiting handoff has waited. */
export function describeWait(since: Date, now: Date): string {
  const days = Math.floor((now.getTime() - since.getTime()) / DAY_MS);
  return days < 1 ? 'oldest today' : `oldest ${plural(days, 'day')}`;
}

/**
 * The portfolio the list shows, at a glance: accounts and ARR per status, ARR at risk, and handoffs
 * waiting on their AEs. Figures cover every status the other filters select (like the tabs).
 */
export function PortfolioHeader(p: { summary: PortfolioSummary; scope: string; now: Date; hrefFor: (status: LifecycleStatus) => string }) {
  const s = p.summary;
  const waiting = s.waitingOnAe;
  return (
    <section class="card portfolio" aria-labelledby="portfolio-title" data-portfolio>
      <h2 id="portfolio-title">Portfolio <span class="muted small">{p.scope}</span></h2>
      <div class="portfolio-figures">
        {LIFECYCLE_STATUSES.map((status) => (
          <a class={`figure figure-${status}`} href={p.hrefFor(status)} data-status={status}>
            <span class="figure-label">{LABELS[status]}</span>
            <strong class="figure-arr">{dollars(s.byStatus[status].arr)}</strong>
            <span class="small muted">{plural(s.byStatus[status].accounts, 'account')}</span>
          </a>
        ))}
        <div class="figure figure-risk" data-at-risk>
          <span class="figure-label" title="Accounts in the At risk status, or with a health of At risk or Critical (churned accounts left out)">ARR at risk</span>
          <strong class="figure-arr">{dollars(s.atRisk.arr)}</strong>
          <span class="small muted">{plural(s.atRisk.accounts, 'account')} · at-risk status or health</span>
        </div>
        <div class="figure figure-waiting" data-waiting>
          <span class="figure-label">Handoffs waiting on AEs</span>
          <strong class="figure-arr">{count(waiting.accounts)} waiting</strong>
          <span class="small muted">{waiting.oldestSince ? describeWait(waiting.oldestSince, p.now) : 'none waiting'}</span>
        </div>
      </div>
    </section>
  );
}
