import type { Child } from 'hono/jsx';

/** What a form posted and what was wrong with it, so a failed post re-renders with nothing lost. */
export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

export const EMPTY_FORM: FormState = { values: {}, errors: {} };

export function FieldError(p: { id: string; message: string | undefined }) {
  return p.message ? <p class="field-error" id={`${p.id}-error`}>{p.message}</p> : null;
}

/** A labelled input whose error, when there is one, is tied to it for screen readers. */
export function TextField(p: {
  id: string; name: string; label: Child; state: FormState; type?: string; required?: boolean;
  hint?: string; inputmode?: 'numeric' | 'email' | 'text'; autocomplete?: string; placeholder?: string;
}) {
  const error = p.state.errors[p.name];
  const value = p.state.values[p.name] ?? '';
  // A date input silently drops a value that is not a real date: show a refused one as text instead.
  const type = p.type === 'date' && error && value ? 'text' : (p.type ?? 'text');
  return (
    <div>
      <label for={p.id}>{p.label}{p.required ? null : <span class="muted small"> (optional)</span>}</label>
      {p.hint ? <p class="muted small" id={`${p.id}-hint`} style="margin:0 0 4px">{p.hint}</p> : null}
      <input
        id={p.id} name={p.name} type={type} value={value}
        required={p.required} inputmode={p.inputmode} autocomplete={p.autocomplete} placeholder={p.placeholder}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${p.id}-error` : (p.hint ? `${p.id}-hint` : undefined)}
      />
      <FieldError id={p.id} message={error} />
    </div>
  );
}

export function TextAreaField(p: { id: string; name: string; label: Child; state: FormState; required?: boolean; hint?: string; rows?: number }) {
  const error = p.state.errors[p.name];
  return (
    <div>
      <label for={p.id}>{p.label}{p.required ? null : <span class="muted small"> (optional)</span>}</label>
      {p.hint ? <p class="muted small" id={`${p.id}-hint`} style="margin:0 0 4px">{p.hint}</p> : null}
      <textarea
        id={p.id} name={p.name} rows={p.rows} required={p.required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${p.id}-error` : (p.hint ? `${p.id}-hint` : undefined)}
      >{p.state.values[p.name] ?? ''}</textarea>
      <FieldError id={p.id} message={error} />
    </div>
  );
}


/** Times in UTC, minute precision: the same on every viewer's screen and in every test. */
export function Time(p: { at: Date }) {
  const iso = p.at.toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`}</time>;
}

export const humanize = (value: string): string => {
  const words = value.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

export function StatusBadge(p: { status: string }) {
  return <span class={`status status-${p.status}`}>{humanize(p.status)}</span>;
}
