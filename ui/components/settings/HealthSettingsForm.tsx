import type { z } from 'zod';
import {
  DEFAULT_HEALTH_CONFIG, describeBands, HEALTH_FACTOR_KEYS, HEALTH_FACTOR_LABELS, healthConfigSchema, type HealthConfig, type HealthFactorKey,
} from '../../../domain/health.ts';
import { CsrfField } from '../CsrfField.tsx';

/**
 * The health settings form (issue 10), as typed: strings, field names that are the configuration's
 * own paths (`factors.meetings.bands.2.atLeast`, the names the JSON API's errors use), so an error
 * from the one validation (services/health/config.ts) lands beside its field. Works without
 * JavaScript: "Add a band" and "Remove" post the form back and get it re-rendered with the change;
 * nothing is stored until "Save".
 *
 * Each band list's last row is fixed, not typed: an open-ended "more" for ≤ bands, 0 for ≥ bands,
 * so every value has a band (the rule the schema enforces) without the admin having to know it.
 */

type BandListKey = 'bands' | 'openBands' | 'resolutionBands';
type ExtraKey = 'unansweredPenalty' | 'dropPenalty' | 'dropThresholdPercent';
type BandKind = 'upTo' | 'atLeast';

interface BandListLayout { list: BandListKey; kind: BandKind; title: string; threshold: string }
interface FactorLayout { what: string; lists: BandListLayout[]; extras: { key: ExtraKey; label: string }[] }

const FACTOR_LAYOUT: Record<HealthFactorKey, FactorLayout> = {
  recent_activity: {
    what: 'Days since the last touch: an email, a meeting, a note, a ticket or a product event.',
    lists: [{ list: 'bands', kind: 'upTo', title: 'Days since the last touch', threshold: 'Up to (days)' }], extras: [],
  },
  email_responsiveness: {
    what: 'Median time to reply to customer emails over 30 days, less a penalty per email left unanswered.',
    lists: [{ list: 'bands', kind: 'upTo', title: 'Median reply time', threshold: 'Up to (hours)' }],
    extras: [{ key: 'unansweredPenalty', label: 'Penalty per email unanswered for more than 72 hours (points)' }],
  },
  support_load: {
    what: 'Open tickets now, averaged with the median resolution time over 90 days when tickets were resolved.',
    lists: [
      { list: 'openBands', kind: 'upTo', title: 'Open tickets', threshold: 'Up to (tickets)' },
      { list: 'resolutionBands', kind: 'upTo', title: 'Median resolution time', threshold: 'Up to (days)' },
    ],
    extras: [],
  },
  meetings: {
    what: 'Meetings held in the last 180 days.',
    lists: [{ list: 'bands', kind: 'atLeast', title: 'Meetings held', threshold: 'At least (meetings)' }], extras: [],
  },
  milestone_progress: {
    what: 'How many days the current milestone is past its planned end.',
    lists: [{ list: 'bands', kind: 'upTo', title: 'Days past plan', threshold: 'Up to (days)' }], extras: [],
  },
  overdue_tasks: {
    what: 'Open tasks past their due date.',
    lists: [{ list: 'bands', kind: 'upTo', title: 'Overdue tasks', threshold: 'Up to (tasks)' }], extras: [],
  },
  product_usage: {
    what: 'Days with product events in the last 14 days, less a penalty when usage fell against the 14 days before.',
    lists: [{ list: 'bands', kind: 'atLeast', title: 'Active days in 14', threshold: 'At least (days)' }],
    extras: [
      { key: 'dropPenalty', label: 'Penalty for a usage drop (points)' },
      { key: 'dropThresholdPercent', label: 'A drop is a fall of more than (%)' },
    ],
  },
  csm_pulse: { what: "The CSM's own 1–10 call on the account, while it is fresh.", lists: [], extras: [] },
};

/** Bands per list: enough for any scale an admin has asked for, few enough to read. */
const MAX_BANDS = 10;

export interface BandRowValues { threshold: string; score: string }
export interface FactorFormValues { weight: string; lists: Partial<Record<BandListKey, BandRowValues[]>>; extras: Partial<Record<ExtraKey, string>> }
export interface HealthFormValues { factors: Record<HealthFactorKey, FactorFormValues>; schedule: { hour: string; timezone: string } }
export type HealthFormErrors = Record<string, string>;

const weightField = (key: HealthFactorKey) => `factors.${key}.weight`;
const listField = (key: HealthFactorKey, list: BandListKey) => `factors.${key}.${list}`;
const bandField = (key: HealthFactorKey, l: BandListLayout, i: number, part: 'threshold' | 'score') =>
  `factors.${key}.${l.list}.${i}.${part === 'threshold' ? l.kind : 'score'}`;
const extraField = (key: HealthFactorKey, extra: ExtraKey) => `factors.${key}.${extra}`;
const HOUR_FIELD = 'schedule.hour';
const TIMEZONE_FIELD = 'schedule.timezone';

type FactorConfigRecord = Record<string, unknown>;
const factorRecord = (config: HealthConfig, key: HealthFactorKey) => config.factors[key] as unknown as FactorConfigRecord;

export function formValuesFromConfig(config: HealthConfig): HealthFormValues {
  const factors = {} as Record<HealthFactorKey, FactorFormValues>;
  for (const key of HEALTH_FACTOR_KEYS) {
    const c = factorRecord(config, key);
    const lists: FactorFormValues['lists'] = {};
    for (const l of FACTOR_LAYOUT[key].lists) {
      lists[l.list] = (c[l.list] as Record<string, number | null>[]).map((b) => ({ threshold: b[l.kind] === null ? '' : String(b[l.kind]), score: String(b.score) }));
    }
    const extras: FactorFormValues['extras'] = {};
    for (const e of FACTOR_LAYOUT[key].extras) extras[e.key] = String(c[e.key] as number);
    factors[key] = { weight: String(config.factors[key].weight), lists, extras };
  }
  return { factors, schedule: { hour: String(config.schedule.hour), timezone: config.schedule.timezone } };
}

/** Rebuilds the form from a posted body; a band list's rows are taken in index order, gaps closed. */
export function formValuesFromBody(body: Record<string, unknown>): HealthFormValues {
  const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
  const factors = {} as Record<HealthFactorKey, FactorFormValues>;
  for (const key of HEALTH_FACTOR_KEYS) {
    const lists: FactorFormValues['lists'] = {};
    for (const l of FACTOR_LAYOUT[key].lists) {
      const pattern = new RegExp(`^factors\\.${key}\\.${l.list}\\.(\\d{1,2})\\.score$`);
      const indices = Object.keys(body).flatMap((name) => { const m = pattern.exec(name); return m ? [Number(m[1])] : []; }).sort((a, b) => a - b);
      lists[l.list] = indices.map((i) => ({ threshold: text(bandField(key, l, i, 'threshold')), score: text(bandField(key, l, i, 'score')) }));
    }
    const extras: FactorFormValues['extras'] = {};
    for (const e of FACTOR_LAYOUT[key].extras) extras[e.key] = text(extraField(key, e.key));
    factors[key] = { weight: text(weightField(key)), lists, extras };
  }
  return { factors, schedule: { hour: text(HOUR_FIELD), timezone: text(TIMEZONE_FIELD) } };
}

/** A number as typed, or the text itself (the schema then says "must be a number" beside the field). */
const numberOf = (typed: string): number | string => (/^-?\d+(\.\d+)?$/.test(typed.trim()) ? Number(typed.trim()) : typed);

function factorCandidate(key: HealthFactorKey, f: FactorFormValues): FactorConfigRecord {
  const out: FactorConfigRecord = { weight: numberOf(f.weight) };
  for (const l of FACTOR_LAYOUT[key].lists) {
    const rows = f.lists[l.list] ?? [];
    out[l.list] = rows.map((row, i) => {
      const last = i === rows.length - 1;
      // The last row's threshold is fixed (see above): open-ended, or 0.
      const threshold = last ? (l.kind === 'upTo' ? null : 0) : numberOf(row.threshold);
      return { [l.kind]: threshold, score: numberOf(row.score) };
    });
  }
  for (const e of FACTOR_LAYOUT[key].extras) out[e.key] = numberOf(f.extras[e.key] ?? '');
  return out;
}

/** What the form asks to save, for the service to check (it owns the rules and the error messages). */
export function configCandidateFromValues(values: HealthFormValues): unknown {
  return {
    factors: Object.fromEntries(HEALTH_FACTOR_KEYS.map((key) => [key, factorCandidate(key, values.factors[key])])),
    schedule: { hour: numberOf(values.schedule.hour), timezone: values.schedule.timezone.trim() },
  };
}

export type HealthEditorOp =
  | { op: 'save' }
  | { op: 'add-band'; factor: HealthFactorKey; list: BandListKey }
  | { op: 'remove-band'; factor: HealthFactorKey; list: BandListKey; index: number };

export function parseHealthEditorOp(value: unknown): HealthEditorOp | null {
  if (value === undefined || value === 'save') return { op: 'save' };
  const m = typeof value === 'string' ? /^(add-band|remove-band):([a-z_]+):([A-Za-z]+)(?::(\d{1,2}))?$/.exec(value) : null;
  if (!m) return null;
  const factor = HEALTH_FACTOR_KEYS.find((k) => k === m[2]);
  const layout = factor ? FACTOR_LAYOUT[factor].lists.find((l) => l.list === m[3]) : undefined;
  if (!factor || !layout) return null;
  if (m[1] === 'add-band') return m[4] === undefined ? { op: 'add-band', factor, list: layout.list } : null;
  return m[4] === undefined ? null : { op: 'remove-band', factor, list: layout.list, index: Number(m[4]) };
}

/** Adds a row before the fixed last one, or removes a typed row; out of range (a stale form) changes nothing. */
export function applyHealthEditorOp(values: HealthFormValues, op: Exclude<HealthEditorOp, { op: 'save' }>): HealthFormValues {
  const rows = [...(values.factors[op.factor].lists[op.list] ?? [])];
  if (op.op === 'add-band' && rows.length < MAX_BANDS) rows.splice(Math.max(0, rows.length - 1), 0, { threshold: '', score: '' });
  if (op.op === 'remove-band' && op.index >= 0 && op.index < rows.length - 1) rows.splice(op.index, 1);
  const factor = values.factors[op.factor];
  return { ...values, factors: { ...values.factors, [op.factor]: { ...factor, lists: { ...factor.lists, [op.list]: rows } } } };
}

// ---- words beside the bands ---------------------------------------------------------------------

/**
 * Each row's band in words ('1–2 open tickets → 80') and the factor's other rules (penalties), from
 * what is typed when that factor's part of it is valid; none while it is not (its errors say why).
 */
function factorWords(key: HealthFactorKey, f: FactorFormValues): { rows: Partial<Record<BandListKey, string[]>>; notes: string[] } | null {
  const schema = healthConfigSchema.shape.factors.shape[key] as unknown as z.ZodType<HealthConfig['factors'][HealthFactorKey]>;
  const parsed = schema.safeParse(factorCandidate(key, f));
  if (!parsed.success) return null;
  const lines = describeBands(key, { ...DEFAULT_HEALTH_CONFIG, factors: { ...DEFAULT_HEALTH_CONFIG.factors, [key]: parsed.data } });
  // describeBands lists each band list's rows in order, then the factor's other rules.
  const rows: Partial<Record<BandListKey, string[]>> = {};
  let at = 0;
  for (const l of FACTOR_LAYOUT[key].lists) {
    const n = (f.lists[l.list] ?? []).length;
    rows[l.list] = lines.slice(at, at + n);
    at += n;
  }
  return { rows, notes: lines.slice(at) };
}

const wholeOrNull = (typed: string) => (/^\d+$/.test(typed.trim()) ? Number(typed.trim()) : null);

/** "Weights sum to 100": the relative weights of the factors other than the pulse, as typed. */
export function weightsPreview(values: HealthFormValues): string {
  const weights = HEALTH_FACTOR_KEYS.filter((k) => k !== 'csm_pulse').map((k) => wholeOrNull(values.factors[k].weight));
  const sum = weights.every((w) => w !== null) ? String(weights.reduce<number>((a, w) => a + (w ?? 0), 0)) : '?';
  const pulse = wholeOrNull(values.factors.csm_pulse.weight);
  return `Weights sum to ${sum}; missing factors' weights are shared out: a factor without data for an account is left out `
    + 'and the others split its weight in proportion to theirs. '
    + (pulse === null ? '' : `A fresh CSM Pulse takes ${pulse} % of the score and the other factors share the remaining ${100 - pulse} %.`);
}

// ---- rendering ----------------------------------------------------------------------------------

const idOf = (name: string) => `hs-${name.replace(/[^a-zA-Z0-9]+/g, '-')}`;

function FieldError(p: { name: string; errors: HealthFormErrors }) {
  const message = p.errors[p.name];
  return message ? <p class="field-error" id={`${idOf(p.name)}-error`}>{message}</p> : null;
}

function invalid(name: string, errors: HealthFormErrors, hint?: boolean) {
  const ids = [hint ? `${idOf(name)}-hint` : null, errors[name] ? `${idOf(name)}-error` : null].filter(Boolean);
  return { ...(ids.length ? { 'aria-describedby': ids.join(' ') } : {}), ...(errors[name] ? { 'aria-invalid': 'true' } : {}) };
}

function NumberInput(p: { name: string; label: string; value: string; errors: HealthFormErrors; hint?: string; labelHidden?: boolean; width?: string }) {
  return (
    <div>
      <label for={idOf(p.name)} class={p.labelHidden ? 'visually-hidden' : undefined}>{p.label}</label>
      <input id={idOf(p.name)} name={p.name} type="text" inputmode="decimal" value={p.value} style={`max-width:${p.width ?? '8em'}`} {...invalid(p.name, p.errors, Boolean(p.hint))} />
      {p.hint ? <p class="muted small" id={`${idOf(p.name)}-hint`} style="margin:2px 0 0">{p.hint}</p> : null}
      <FieldError name={p.name} errors={p.errors} />
    </div>
  );
}

function BandTable(p: { factor: HealthFactorKey; layout: BandListLayout; rows: BandRowValues[]; words: string[] | undefined; errors: HealthFormErrors }) {
  const { factor, layout: l } = p;
  const label = HEALTH_FACTOR_LABELS[factor];
  return (
    <div class="table-wrap" style="margin-top:8px">
      <table aria-label={`${label}: ${l.title}`}>
        <thead><tr><th scope="col">{l.threshold}</th><th scope="col">Score</th><th scope="col">In words</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
        <tbody>
          {p.rows.map((row, i) => {
            const last = i === p.rows.length - 1;
            const n = i + 1;
            return (
              <tr data-band={`${factor}.${l.list}.${i}`}>
                <td>
                  {last
                    ? <span class="muted">{l.kind === 'upTo' ? 'more' : '0'}</span>
                    : <NumberInput name={bandField(factor, l, i, 'threshold')} label={`${label}, ${l.title.toLowerCase()}, band ${n}: ${l.threshold.toLowerCase()}`} labelHidden value={row.threshold} errors={p.errors} />}
                  {last ? <FieldError name={bandField(factor, l, i, 'threshold')} errors={p.errors} /> : null}
                </td>
                <td><NumberInput name={bandField(factor, l, i, 'score')} label={`${label}, ${l.title.toLowerCase()}, band ${n}: score`} labelHidden value={row.score} errors={p.errors} /></td>
                <td class="band-words">{p.words?.[i] ?? <span class="muted">—</span>}</td>
                <td>
                  {last ? null : (
                    <button type="submit" class="secondary" style="margin-top:0;padding:4px 10px" name="_op" value={`remove-band:${factor}:${l.list}:${i}`}
                      aria-label={`Remove ${label.toLowerCase()} band ${n}`}>Remove</button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <FieldError name={listField(factor, l.list)} errors={p.errors} />
      {p.rows.length < MAX_BANDS
        ? <button type="submit" class="secondary" name="_op" value={`add-band:${factor}:${l.list}`} aria-label={`Add a ${label.toLowerCase()} band (${l.title.toLowerCase()})`}>Add a band</button>
        : <p class="muted small">At most {MAX_BANDS} bands.</p>}
    </div>
  );
}

function FactorFields(p: { factor: HealthFactorKey; values: FactorFormValues; errors: HealthFormErrors }) {
  const { factor } = p;
  const layout = FACTOR_LAYOUT[factor];
  const words = factorWords(factor, p.values);
  const pulse = factor === 'csm_pulse';
  return (
    <fieldset class="card template-milestone" id={`factor-${factor}`}>
      <legend>{HEALTH_FACTOR_LABELS[factor]}</legend>
      <p class="muted" style="margin:4px 0 0">{layout.what}</p>
      <NumberInput name={weightField(factor)} label={pulse ? 'Pulse share (% of the score while fresh)' : `${HEALTH_FACTOR_LABELS[factor]} weight`}
        value={p.values.weight} errors={p.errors}
        hint={pulse ? 'At most 90: the other factors keep at least 10 %. A pulse counts for 90 days; a 1 or a 10 for 30.' : 'Relative to the other factors; 0 switches the factor off.'} />
      {layout.lists.map((l) => (
        <div>
          <h3 style="margin:14px 0 0">{l.title}</h3>
          <BandTable factor={factor} layout={l} rows={p.values.lists[l.list] ?? []} words={words?.rows[l.list]} errors={p.errors} />
        </div>
      ))}
      {layout.extras.length ? <div class="grid" style="margin-top:4px">{layout.extras.map((e) => (
        <NumberInput name={extraField(factor, e.key)} label={e.label} value={p.values.extras[e.key] ?? ''} errors={p.errors} />
      ))}</div> : null}
      {words === null && layout.lists.length
        ? <p class="muted small">Fix this factor's fields to see its bands in words.</p>
        : words?.notes.length ? <ul class="muted small" style="margin:8px 0 0">{words.notes.map((n) => <li>{n}</li>)}</ul> : null}
    </fieldset>
  );
}

/** IANA zone names for the timezone field's suggestions; the engine's list lacks plain UTC. */
const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
const HOURS = Array.from({ length: 24 }, (_, h) => h);

/** The fields every error could name: any other error (a tampered form) is shown at the top. */
function knownFields(values: HealthFormValues): Set<string> {
  const names = new Set<string>(['factors', HOUR_FIELD, TIMEZONE_FIELD]);
  for (const key of HEALTH_FACTOR_KEYS) {
    names.add(weightField(key));
    for (const l of FACTOR_LAYOUT[key].lists) {
      names.add(listField(key, l.list));
      (values.factors[key].lists[l.list] ?? []).forEach((_, i) => { names.add(bandField(key, l, i, 'threshold')); names.add(bandField(key, l, i, 'score')); });
    }
    for (const e of FACTOR_LAYOUT[key].extras) names.add(extraField(key, e.key));
  }
  return names;
}

export function HealthSettingsForm(p: { csrfToken: string; values: HealthFormValues; errors: HealthFormErrors }) {
  const errorCount = Object.keys(p.errors).length;
  const known = knownFields(p.values);
  const elsewhere = Object.entries(p.errors).filter(([name]) => !known.has(name));
  return (
    <form method="post" action="/settings/health" novalidate>
      <CsrfField token={p.csrfToken} />
      {/* First submit button in the form: Enter in a field saves instead of adding or removing a band. */}
      <button type="submit" name="_op" value="save" class="visually-hidden" tabindex={-1} aria-hidden="true">Save health settings</button>
      {errorCount > 0 ? (
        <div class="flash error" role="alert">
          <p style="margin:0">Nothing was saved: fix the {errorCount === 1 ? 'field' : `${errorCount} fields`} marked below.</p>
          {elsewhere.length ? <ul style="margin:6px 0 0">{elsewhere.map(([name, message]) => <li>{name}: {message}</li>)}</ul> : null}
        </div>
      ) : null}
      <section class="card" aria-labelledby="health-weights">
        <h2 id="health-weights">Weights</h2>
        <p id="health-weights-preview" data-preview="weights">{weightsPreview(p.values)}</p>
        <FieldError name="factors" errors={p.errors} />
      </section>
      {/* Two factors side by side where the screen allows, one under the other on a phone. */}
      <div class="grid" style="grid-template-columns:repeat(auto-fit,minmax(min(520px,100%),1fr));gap:0 16px">
        {HEALTH_FACTOR_KEYS.map((factor) => <FactorFields factor={factor} values={p.values.factors[factor]} errors={p.errors} />)}
      </div>
      <section class="card" aria-labelledby="health-schedule">
        <h2 id="health-schedule">Nightly scoring</h2>
        <p class="muted">Every account is scored once a night at this hour of the organisation's day. Changed accounts are also rescored within minutes.</p>
        <div class="grid">
          <div>
            <label for={idOf(HOUR_FIELD)}>Hour</label>
            <select id={idOf(HOUR_FIELD)} name={HOUR_FIELD} {...invalid(HOUR_FIELD, p.errors)}>
              {HOURS.map((h) => <option value={String(h)} selected={p.values.schedule.hour === String(h)}>{`${String(h).padStart(2, '0')}:00`}</option>)}
            </select>
            <FieldError name={HOUR_FIELD} errors={p.errors} />
          </div>
          <div>
            <label for={idOf(TIMEZONE_FIELD)}>Timezone</label>
            <input id={idOf(TIMEZONE_FIELD)} name={TIMEZONE_FIELD} type="text" list="health-timezones" value={p.values.schedule.timezone}
              autocomplete="off" spellcheck={false} {...invalid(TIMEZONE_FIELD, p.errors, true)} />
            <datalist id="health-timezones">{TIME_ZONES.map((zone) => <option value={zone} />)}</datalist>
            <p class="muted small" id={`${idOf(TIMEZONE_FIELD)}-hint`} style="margin:2px 0 0">An IANA name such as Europe/Berlin or America/New_York; daylight saving is followed.</p>
            <FieldError name={TIMEZONE_FIELD} errors={p.errors} />
          </div>
        </div>
      </section>
      <div class="button-row">
        <button type="submit" name="_op" value="save">Save health settings</button>
        <a class="button secondary" href="/settings/health">Cancel</a>
      </div>
    </form>
  );
}
