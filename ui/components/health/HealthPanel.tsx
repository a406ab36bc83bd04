import type { EventSource } from '../../../domain/events.ts';
import {
  HEALTH_TIER_LABELS, PULSE_EXTREME_FRESH_DAYS, PULSE_FRESH_DAYS, tierOf, type FactorResult, type HealthTier,
} from '../../../domain/health.ts';
import type { AccountHealthView, PulseView, RecentEvent } from '../../../services/health/accountHealth.ts';
import { accountPath } from '../account/accountView.ts';
import { FieldError, TextAreaField, Time, type FormState } from '../account/formFields.tsx';
import { CsrfField } from '../CsrfField.tsx';
import { TIER_COLOURS } from './HealthBadge.tsx';

/**
 * The account's health on its page (issue 10): the score as a gauge, the "why" (each factor's score,
 * share, inputs and what would raise it), what was left out, the last 90 days, the CSM Pulse form
 * and the account's latest events. Inline SVG, no script: it reads the same with CSS off.
 */

/** Pale tier fills behind the gauge and the history chart. */
const TIER_BACKGROUNDS: Record<HealthTier, string> = {
  healthy: '#e6f6ec', needs_attention: '#fff8e1', at_risk: '#fff1e6', critical: '#fdecec',
};

/** Each tier's range of scores, lowest first (domain/health.ts's tierOf). */
const TIER_RANGES: { tier: HealthTier; from: number; to: number }[] = [
  { tier: 'critical', from: 0, to: 40 },
  { tier: 'at_risk', from: 40, to: 60 },
  { tier: 'needs_attention', from: 60, to: 80 },
  { tier: 'healthy', from: 80, to: 100 },
];

const round1 = (n: number): number => Math.round(n * 10) / 10;

// ---- the gauge -----------------------------------------------------------------------------------

/** A half-circle gauge: the tier bands as a pale track, the score as an arc in its tier's colour. */
function Gauge(p: { score: number; tier: HealthTier }) {
  const cx = 100;
  const cy = 100;
  const r = 78;
  const at = (value: number) => {
    const angle = Math.PI * (1 - value / 100);
    return `${round1(cx + r * Math.cos(angle))} ${round1(cy - r * Math.sin(angle))}`;
  };
  const arc = (from: number, to: number) => `M ${at(from)} A ${r} ${r} 0 0 1 ${at(to)}`;
  return (
    <svg class="health-gauge" width="200" height="118" viewBox="0 0 200 118" role="img"
      aria-label={`Health score ${p.score} of 100: ${HEALTH_TIER_LABELS[p.tier]}`}>
      {TIER_RANGES.map((band) => <path d={arc(band.from, band.to)} fill="none" stroke={TIER_BACKGROUNDS[band.tier]} stroke-width="16" />)}
      {p.score > 0 ? <path d={arc(0, p.score)} fill="none" stroke={TIER_COLOURS[p.tier]} stroke-width="16" stroke-linecap="butt" /> : null}
      <text x="100" y="92" text-anchor="middle" font-size="34" font-weight="700" fill={TIER_COLOURS[p.tier]}>{p.score}</text>
      <text x="100" y="112" text-anchor="middle" font-size="12" fill="#6b7280">of 100</text>
    </svg>
  );
}

// ---- the factors ---------------------------------------------------------------------------------

/** How each input a factor reports reads to a CSM (domain/health.ts names them). */
const INPUT_WORDS: Record<string, { label: string; unit?: [string, string]; format?: (value: number | string) => string }> = {
  daysSinceLastTouch: { label: 'Since the last touch', unit: ['day', 'days'] },
  lastTouchDay: { label: 'Last touch on' },
  medianReplyHours: { label: 'Median reply time (30 days)', unit: ['hour', 'hours'] },
  repliedCount: { label: 'Replies sent (30 days)' },
  unansweredOver72h: { label: 'Customer emails waiting over 72 hours' },
  openTickets: { label: 'Open support tickets' },
  medianResolutionDays: { label: 'Median resolution time (90 days)', unit: ['day', 'days'] },
  resolvedCount: { label: 'Tickets resolved (90 days)' },
  held180d: { label: 'Meetings held (180 days)' },
  currentMilestone: { label: 'Current milestone' },
  daysPastPlannedEnd: { label: 'Past its planned end', unit: ['day', 'days'], format: (v) => (Number(v) <= 0 ? 'on plan' : `${v} ${v === 1 ? 'day' : 'days'}`) },
  overdue: { label: 'Tasks past due' },
  open: { label: 'Open tasks' },
  activeDays14: { label: 'Active days (last 14 days)' },
  activeDaysPrev14: { label: 'Active days (the 14 days before)' },
  distinctEvents14: { label: 'Different product events (last 14 days)' },
  score: { label: 'Pulse', format: (v) => `${v} out of 10` },
  note: { label: 'Why' },
  setBy: { label: 'Set by' },
  setAt: { label: 'Set on', format: (v) => String(v).slice(0, 10) },
};

/** "openTickets" → "Open tickets": an input this page has no words for yet still reads as words. */
const wordsOf = (key: string): string => {
  const spaced = key.replace(/([a-z])([A-Z0-9])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
};

function inputValue(key: string, value: number | string | null): string {
  if (value === null) return 'none yet';
  const words = INPUT_WORDS[key];
  if (words?.format) return words.format(value);
  if (words?.unit && typeof value === 'number') return `${round1(value)} ${value === 1 ? words.unit[0] : words.unit[1]}`;
  return typeof value === 'number' ? String(round1(value)) : value;
}

function FactorInputs(p: { inputs: FactorResult['inputs'] }) {
  const entries = Object.entries(p.inputs);
  if (!entries.length) return null;
  return (
    <ul class="health-inputs small">
      {entries.map(([key, value]) => <li><span class="muted">{INPUT_WORDS[key]?.label ?? wordsOf(key)}:</span> {inputValue(key, value)}</li>)}
    </ul>
  );
}

function ScoreBar(p: { score: number }) {
  const tier = tierOf(p.score);
  return (
    <div>
      <strong style={`color:${TIER_COLOURS[tier]}`}>{p.score}</strong><span class="muted small"> / 100</span>
      <div class="progress" aria-hidden="true" style="margin-top:4px"><span style={`width:${p.score}%;background:${TIER_COLOURS[tier]}`} /></div>
    </div>
  );
}

function FactorTable(p: { factors: FactorResult[] }) {
  return (
    <div class="table-wrap">
      <table class="health-factors">
        <thead>
          <tr><th scope="col">Factor</th><th scope="col">Score</th><th scope="col">Weight</th><th scope="col">What Relay saw</th><th scope="col">What would raise it</th></tr>
        </thead>
        <tbody>
          {p.factors.map((f) => (
            <tr data-factor={f.key}>
              <th scope="row" style="text-transform:none;letter-spacing:0;font-size:.95rem;color:#1f2430;white-space:normal">{f.label}</th>
              <td><ScoreBar score={f.score} /></td>
              <td><span title="This factor's share of the score">{f.weight} %</span></td>
              <td>
                <p style="margin:0 0 4px">{f.explanation}</p>
                <FactorInputs inputs={f.inputs} />
                <p class="muted small" style="margin:4px 0 0">Band: {f.band}</p>
              </td>
              <td>{f.toRaise ?? <span class="muted">Nothing: it is at its best.</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Why a factor did not count, in words (domain/health.ts gives the reason). */
function excludedReason(reason: string): string {
  if (reason === 'weight 0') return 'switched off in the health settings (weight 0).';
  if (reason === 'no pulse set') return 'no pulse set; set one below and it counts.';
  if (reason.startsWith('pulse expired')) return `${reason}; set a new one and it counts again.`;
  return `${reason}, so it does not count yet.`;
}

// ---- the history chart ---------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/** Daily scores over the window, on the tier bands; each point names its day and score on hover. */
function HistoryChart(p: { points: { day: string; score: number }[]; from: string; to: string }) {
  const width = 640;
  const height = 190;
  const left = 34;
  const right = 96;
  const top = 8;
  const bottom = 24;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const days = Math.max(1, Math.round((dayMs(p.to) - dayMs(p.from)) / DAY_MS));
  const x = (day: string) => round1(left + ((dayMs(day) - dayMs(p.from)) / DAY_MS / days) * plotW);
  const y = (score: number) => round1(top + (1 - score / 100) * plotH);
  const first = p.points[0];
  const last = p.points[p.points.length - 1];
  const summary = first && last
    ? `Health score over the last ${days + 1} days: ${p.points.length} daily scores, from ${first.score} on ${first.day} to ${last.score} on ${last.day}`
    : 'Health score over the last 90 days: no daily scores yet';
  return (
    <svg class="health-history" viewBox={`0 0 ${width} ${height}`} width="100%" style={`max-width:${width}px;height:auto;display:block`} role="img" aria-label={summary}>
      {TIER_RANGES.map((band) => (
        <g>
          <rect x={left} y={y(band.to)} width={plotW} height={round1(y(band.from) - y(band.to))} fill={TIER_BACKGROUNDS[band.tier]} />
          <text x={left + plotW + 6} y={round1((y(band.from) + y(band.to)) / 2 + 4)} font-size="11" fill={TIER_COLOURS[band.tier]}>{HEALTH_TIER_LABELS[band.tier]}</text>
        </g>
      ))}
      {[0, 40, 60, 80, 100].map((s) => (
        <text x={left - 6} y={y(s) + 4} font-size="11" text-anchor="end" fill="#6b7280">{s}</text>
      ))}
      <text x={left} y={height - 6} font-size="11" fill="#6b7280">{p.from}</text>
      <text x={left + plotW} y={height - 6} font-size="11" text-anchor="end" fill="#6b7280">{p.to}</text>
      {p.points.length > 1
        ? <polyline fill="none" stroke="#1f2a44" stroke-width="2" points={p.points.map((pt) => `${x(pt.day)},${y(pt.score)}`).join(' ')} />
        : null}
      {p.points.map((pt) => (
        <circle cx={x(pt.day)} cy={y(pt.score)} r="3" fill={TIER_COLOURS[tierOf(pt.score)]}><title>{`${pt.day}: ${pt.score}`}</title></circle>
      ))}
    </svg>
  );
}

// ---- CSM Pulse -----------------------------------------------------------------------------------

const PULSE_SCALE: Record<number, string> = { 1: 'about to churn', 5: 'could go either way', 10: 'thriving' };

function CurrentPulse(p: { pulse: PulseView | null; weight: number }) {
  if (!p.pulse) return <p class="muted" data-pulse="none">No pulse set yet.</p>;
  const { pulse } = p;
  return (
    <div data-pulse={pulse.fresh ? 'fresh' : 'expired'}>
      <p style="margin:0 0 4px"><strong style={`font-size:1.2rem;color:${TIER_COLOURS[tierOf(pulse.score * 10)]}`}>{pulse.score}/10</strong>
        {' '}<span class="muted small">set by {pulse.setBy} · <Time at={pulse.setAt} /></span></p>
      <blockquote style="margin:0 0 6px;padding-left:10px;border-left:3px solid #dde2ea">{pulse.note}</blockquote>
      <p class="small" style="margin:0">
        {pulse.fresh
          ? <>Counts as {p.weight} % of the score until {pulse.expiresOn}.</>
          : <span class="status status-overdue">No longer counts: it expired after {pulse.expiresOn}.</span>}
      </p>
    </div>
  );
}

function PulseForm(p: { accountId: string; csrfToken: string; form: FormState }) {
  const chosen = p.form.values.score ?? '';
  const error = p.form.errors.score;
  return (
    <form method="post" action={accountPath(p.accountId, '/pulse')} aria-labelledby="pulse-form-title">
      <CsrfField token={p.csrfToken} />
      <h3 id="pulse-form-title" style="margin-top:14px">Set your pulse</h3>
      <label for="pulse-score">Your read of the account, 1 to 10</label>
      <select id="pulse-score" name="score" aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'pulse-score-error' : undefined}>
        <option value="">Choose…</option>
        {Array.from({ length: 10 }, (_, i) => String(10 - i)).map((n) => (
          <option value={n} selected={chosen === n}>{n}{PULSE_SCALE[Number(n)] ? ` — ${PULSE_SCALE[Number(n)]}` : ''}</option>
        ))}
      </select>
      <FieldError id="pulse-score" message={error} />
      <TextAreaField id="pulse-note" name="note" label="What is behind this pulse" state={p.form} required rows={3}
        hint="What you are seeing; kept with the pulse and in the activity timeline." />
      <button type="submit">Set pulse</button>
    </form>
  );
}

// ---- recent events -------------------------------------------------------------------------------

const SIGNAL_WORDS: Record<string, string> = {
  email_received: 'Customer email received',
  email_replied: 'Email replied to',
  meeting_held: 'Meeting held',
  ticket_opened: 'Support ticket opened',
  ticket_resolved: 'Support ticket resolved',
};
const SOURCE_WORDS: Record<EventSource, string> = { segment: 'Segment', posthog: 'PostHog', api: 'Relay API' };

function RecentEvents(p: { events: RecentEvent[] }) {
  return (
    <div>
      <h3 id="health-events-title">Recent events</h3>
      {p.events.length ? (
        <ol class="timeline" aria-labelledby="health-events-title" data-recent-events>
          {p.events.map((e) => (
            <li data-event-type={e.type}>
              <span>{SIGNAL_WORDS[e.type] ?? e.type}</span>
              <br /><span class="muted small">from {SOURCE_WORDS[e.source]} · <Time at={e.occurredAt} /></span>
            </li>
          ))}
        </ol>
      ) : <p class="muted">No events from your product or integrations yet.</p>}
    </div>
  );
}

// ---- the panel -----------------------------------------------------------------------------------

export function HealthPanel(p: { accountId: string; health: AccountHealthView; csrfToken: string; pulseForm: FormState }) {
  const { latest } = p.health;
  return (
    <section class="card" id="health" aria-labelledby="health-title">
      <h2 id="health-title">Health</h2>
      {latest === null ? (
        <p class="muted" data-health="unscored">Not scored yet. Relay scores every account nightly; a new pulse or new events rescore it within minutes.</p>
      ) : (
        <>
          <div style="display:flex;gap:20px;flex-wrap:wrap;align-items:center">
            {latest.score !== null && latest.tier !== null ? <Gauge score={latest.score} tier={latest.tier} /> : null}
            <div data-health="summary">
              {latest.score !== null && latest.tier !== null ? (
                <p style="margin:0;font-size:1.25rem;font-weight:700;color:#1f2430">
                  <span style={`color:${TIER_COLOURS[latest.tier]}`}>{HEALTH_TIER_LABELS[latest.tier]}</span>
                  <span class="muted small" style="font-weight:400"> since <Time at={latest.tierSince} />{latest.previousTier ? `, was ${HEALTH_TIER_LABELS[latest.previousTier].toLowerCase()}` : ''}</span>
                </p>
              ) : <p style="margin:0;font-weight:600">Not scored: Relay had nothing to go on yet.</p>}
              <p class="small" style="margin:4px 0 0">
                Scored <Time at={latest.computedAt} /> with {latest.configVersion === 0 ? 'the default scoring settings' : `scoring settings version ${latest.configVersion}`}.
              </p>
              <p class="muted small" style="margin:2px 0 0">Healthy 80–100 · Needs attention 60–79 · At risk 40–59 · Critical 0–39</p>
            </div>
          </div>

          {latest.factors.length ? (
            <>
              <h3 style="margin-top:16px">Why this score</h3>
              <FactorTable factors={latest.factors} />
            </>
          ) : null}
          {latest.excluded.length ? (
            <div data-health="excluded">
              <h3 style="margin-top:14px">Left out of the score</h3>
              <ul class="small" style="margin:0;padding-left:18px">
                {latest.excluded.map((e) => <li data-factor={e.key}><strong>{e.label}</strong>: {excludedReason(e.reason)}</li>)}
              </ul>
            </div>
          ) : null}
        </>
      )}

      <h3 style="margin-top:16px">Last 90 days</h3>
      {p.health.history.length
        ? <HistoryChart points={p.health.history} from={p.health.historyFrom} to={p.health.today} />
        : <p class="muted" data-health="no-history">No daily scores yet.</p>}

      <div class="grid" style="margin-top:12px">
        <div id="pulse">
          <h3>CSM Pulse</h3>
          <CurrentPulse pulse={p.health.pulse} weight={p.health.pulseWeight} />
          <p class="muted small" style="margin:6px 0 0">
            A pulse counts for {PULSE_FRESH_DAYS} days ({PULSE_EXTREME_FRESH_DAYS} for a 1 or a 10) and makes up {p.health.pulseWeight} % of the score while it does.
          </p>
          <PulseForm accountId={p.accountId} csrfToken={p.csrfToken} form={p.pulseForm} />
        </div>
        <RecentEvents events={p.health.recentEvents} />
      </div>
    </section>
  );
}
