import { FOLLOW_UP_LANE_LABELS, FOLLOW_UP_LANES, type FollowUpItem, type FollowUpLane } from '../../domain/followUp.ts';
import type { FollowUpView, HiddenFollowUpItem } from '../../services/followUp.ts';
import { accountPath } from '../components/account/accountView.ts';
import { AppLayout } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import { count, dollars, plural } from '../format.ts';
import type { PageShell } from './TemplatesPages.tsx';

/** What each lane is for, under its heading. */
const LANE_HINTS: Record<FollowUpLane, string> = {
  owe: 'Late tasks and milestones, customer emails waiting for a reply, answers they sent.',
  news: 'Good things to tell the customer: milestones done, back on track, health up, a new handoff.',
  close: 'Accounts to keep an eye on: health down, at risk, handoffs stuck with the AE, nobody in touch lately.',
};

/** Items shown per lane: the most urgent; a whole organisation's book can have thousands. */
const LANE_LIMIT = 50;

export interface FollowUpPageProps extends PageShell {
  /** Null: the page could not be read (a bad `csm`); the error says why. */
  view: FollowUpView | null;
  /** Admins pick whose accounts; CSMs see their own and get no picker. */
  csms: { id: string; name: string }[] | null;
  picked: string;
  error?: string;
  flash?: { kind: 'ok' | 'error'; message: string } | null;
}

function ItemForm(p: { item: FollowUpItem; csrfToken: string; picked: string }) {
  const about = `${p.item.accountName}: ${p.item.reason}`;
  return (
    <form method="post" action="/follow-up/items" class="button-row fu-forms">
      <CsrfField token={p.csrfToken} />
      <input type="hidden" name="key" value={p.item.key} />
      <input type="hidden" name="csm" value={p.picked} />
      <button type="submit" class="secondary" name="do" value="snooze_tomorrow" aria-label={`Snooze until tomorrow: ${about}`}>Snooze until tomorrow</button>
      <button type="submit" class="secondary" name="do" value="snooze_next_week" aria-label={`Snooze until next week: ${about}`}>Next week</button>
      <button type="submit" class="secondary" name="do" value="dismiss" aria-label={`Dismiss: ${about}`}>Dismiss</button>
    </form>
  );
}

function Item(p: { item: FollowUpItem; csrfToken: string; picked: string; showCsm: boolean }) {
  const { item } = p;
  return (
    <li class="fu-item" data-key={item.key}>
      <div>
        <a class="fu-account" href={accountPath(item.accountId)}>{item.accountName}</a>
        <span class="muted small"> · {dollars(item.arr)} ARR{p.showCsm ? ` · ${item.csmName ?? 'no CSM'}` : ''}</span>
      </div>
      <p class="fu-reason">{item.reason}</p>
      <a class="button fu-next" href={accountPath(item.accountId, item.nextStep.anchor)}>{item.nextStep.label}</a>
      <ItemForm item={item} csrfToken={p.csrfToken} picked={p.picked} />
    </li>
  );
}

function HiddenItems(p: { items: HiddenFollowUpItem[]; csrfToken: string; picked: string }) {
  if (!p.items.length) return null;
  return (
    <details class="card" id="hidden">
      <summary>Dismissed and snoozed ({p.items.length})</summary>
      <ul class="fu-list">
        {p.items.slice(0, LANE_LIMIT).map((item) => (
          <li class="fu-item" data-key={item.key}>
            <div><a class="fu-account" href={accountPath(item.accountId)}>{item.accountName}</a> <span class="muted small">· {FOLLOW_UP_LANE_LABELS[item.lane]}</span></div>
            <p class="fu-reason">{item.reason}</p>
            <form method="post" action="/follow-up/items" class="button-row">
              <span class="muted small">{item.dismissed ? 'Dismissed' : `Snoozed until ${item.snoozedUntil}`}</span>
              <CsrfField token={p.csrfToken} />
              <input type="hidden" name="key" value={item.key} />
              <input type="hidden" name="csm" value={p.picked} />
              <button type="submit" class="secondary" name="do" value="restore" aria-label={`Show again: ${item.accountName}: ${item.reason}`}>Show again</button>
            </form>
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Daily Follow-Up (SPEC §4, issue 14): three ranked lanes, each item with its reason and next step. */
export function FollowUpPage(p: FollowUpPageProps) {
  const view = p.view;
  const total = view ? FOLLOW_UP_LANES.reduce((n, lane) => n + view.lanes[lane].length, 0) : 0;
  const showCsm = Boolean(p.csms) && !view?.csmUserId;
  return (
    <AppLayout title="Daily Follow-Up" section="follow-up" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head">
        <div>
          <h1>Daily Follow-Up</h1>
          {view ? <p class="muted small" style="margin:2px 0 0">{view.today} · {plural(total, 'item')} · ranked by urgency, then ARR</p> : null}
        </div>
        {p.csms ? (
          <form method="get" action="/follow-up" class="button-row">
            <label for="follow-up-csm" class="visually-hidden">Whose accounts</label>
            <select id="follow-up-csm" name="csm" style="width:auto" aria-invalid={p.error ? 'true' : undefined} aria-describedby={p.error ? 'follow-up-csm-error' : undefined}>
              <option value="" selected={!p.picked}>All CSMs</option>
              {p.csms.map((u) => <option value={u.id} selected={p.picked === u.id}>{u.name}</option>)}
            </select>
            <button type="submit" class="secondary" style="margin-top:0">Show</button>
          </form>
        ) : null}
      </div>
      {p.error ? <p class="flash error" role="alert" id="follow-up-csm-error">{p.error}</p> : null}
      {p.flash ? <p class={`flash ${p.flash.kind}`} role={p.flash.kind === 'error' ? 'alert' : 'status'}>{p.flash.message}</p> : null}
      {view ? (
        <div class="fu-lanes">
          {FOLLOW_UP_LANES.map((lane) => (
            <section class="card fu-lane" id={`lane-${lane}`} aria-labelledby={`lane-${lane}-title`}>
              <h2 id={`lane-${lane}-title`}>{FOLLOW_UP_LANE_LABELS[lane]} <span class="muted small">({view.lanes[lane].length})</span></h2>
              <p class="muted small">{LANE_HINTS[lane]}</p>
              {view.lanes[lane].length ? (
                <ol class="fu-list">
                  {view.lanes[lane].slice(0, LANE_LIMIT).map((item) => <Item item={item} csrfToken={p.csrfToken} picked={p.picked} showCsm={showCsm} />)}
                </ol>
              ) : <p class="fu-empty">Nothing here today.</p>}
              {view.lanes[lane].length > LANE_LIMIT
                ? <p class="muted small">Showing the {LANE_LIMIT} most urgent of {count(view.lanes[lane].length)}{p.csms && !p.picked ? '; pick a CSM to see theirs' : ''}.</p>
                : null}
            </section>
          ))}
        </div>
      ) : null}
      {view ? <HiddenItems items={view.hidden} csrfToken={p.csrfToken} picked={p.picked} /> : null}
    </AppLayout>
  );
}
