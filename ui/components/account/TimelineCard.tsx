import type { listTimeline } from '../../../db/repositories/timeline.ts';
import { accountEditLines } from '../../../domain/accountEdits.ts';
import { TIMELINE_EVENT_TYPES, type TimelineEventType } from '../../../domain/timeline.ts';
import { accountPath } from './accountView.ts';
import { FieldError, Time } from './formFields.tsx';
import { renderNoteMarkdownInline } from './noteMarkdown.ts';
import { actorDisplayName, timelineSentence, type Person } from './timelineDisplay.ts';

export type TimelineRow = Awaited<ReturnType<typeof listTimeline>>[number];

/** A label per event type: a Record, so a new type cannot reach the page unnamed. */
const TYPE_LABELS: Record<TimelineEventType, string> = {
  account_created: 'Account created',
  milestones_instantiated: 'Milestones set up',
  handoff_drafted: 'Handoff drafted',
  email_sent: 'Email sent',
  email_failed: 'Email not delivered',
  handoff_submitted: 'Handoff submitted',
  csm_assigned: 'CSM assigned',
  status_changed: 'Status change',
  milestone_started: 'Milestone started',
  milestone_completed: 'Milestone completed',
  note: 'Note',
  task_created: 'Task added',
  task_completed: 'Task completed',
  contact_added: 'Contact added',
  run_restarted: 'Run restarted',
  run_failed: 'Run stopped',
  pulse_set: 'CSM Pulse',
  health_changed: 'Health',
  action_changed: 'Playbook action',
  account_edited: 'Account edited',
  task_updated: 'Task changed',
};

/** An edit's changes, one line each ("ARR: $48,000 → $52,000"). */
function AccountEditLines(p: { message: string; data: unknown }) {
  const lines = accountEditLines(p.data);
  if (!lines) return <span>{p.message}</span>;
  return <span class="edit-changes">{lines.map((line) => <span style="display:block;overflow-wrap:anywhere">{line}</span>)}</span>;
}

/** Newest first; the type filter is a plain GET form, so a filtered view is a link one can share. */
export function TimelineCard(p: { accountId: string; events: TimelineRow[]; people: readonly Person[]; type: string | undefined; typeError?: string | undefined }) {
  return (
    <section class="card" id="timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Activity</h2>
      <form method="get" action={`${accountPath(p.accountId)}#timeline`} style="display:flex;gap:8px;align-items:end;flex-wrap:wrap;margin-bottom:8px">
        <div>
          <label for="timeline-type" style="margin-top:0">Show</label>
          <select id="timeline-type" name="type" aria-invalid={p.typeError ? 'true' : undefined}>
            <option value="">Every kind of event</option>
            {TIMELINE_EVENT_TYPES.map((t) => <option value={t} selected={p.type === t}>{TYPE_LABELS[t]}</option>)}
          </select>
          <FieldError id="timeline-type" message={p.typeError} />
        </div>
        <button type="submit" class="secondary" style="margin:0">Filter</button>
        {p.type ? <a href={`${accountPath(p.accountId)}#timeline`}>Show all</a> : null}
      </form>
      {p.events.length ? (
        <ol class="timeline">
          {p.events.map((e) => (
            <li data-type={e.type}>
              {/* A note's excerpt is markdown as typed: the notes card's safe subset, inline. */}
              {e.type === 'note'
                ? <span class="markdown" dangerouslySetInnerHTML={{ __html: renderNoteMarkdownInline(e.message) }} />
                : e.type === 'account_edited' ? <AccountEditLines message={e.message} data={e.data} />
                  : <span>{timelineSentence(e)}</span>}
              <br /><span class="muted small">{TYPE_LABELS[e.type]} · by {actorDisplayName(e.actor, p.people)} · <Time at={e.occurredAt} /></span>
            </li>
          ))}
        </ol>
      ) : <p class="muted">{p.type ? 'No events of this kind yet.' : 'Nothing has happened yet.'}</p>}
    </section>
  );
}
