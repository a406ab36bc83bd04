import { QUESTION_KINDS, QUESTION_LIMITS } from '../../../domain/handoffQuestions.ts';
import { CsrfField } from '../CsrfField.tsx';
import type { FormErrors } from '../templates/templateForm.ts';
import { KIND_LABELS, questionField, type QuestionField, type QuestionFormValues, type QuestionsFormValues } from './questionForm.ts';

const idOf = (name: string) => `f-${name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, '')}`;

function FieldError(p: { name: string; errors: FormErrors }) {
  const message = p.errors[p.name];
  return message ? <p class="field-error" id={`${idOf(p.name)}-error`}>{message}</p> : null;
}

/** Hint and error both described, so a screen reader reads the rule and what went wrong. */
function describedBy(name: string, errors: FormErrors, hint?: boolean) {
  const ids = [hint ? `${idOf(name)}-hint` : null, errors[name] ? `${idOf(name)}-error` : null].filter(Boolean);
  return {
    ...(ids.length ? { 'aria-describedby': ids.join(' ') } : {}),
    ...(errors[name] ? { 'aria-invalid': 'true' } : {}),
  };
}

function QuestionFields(p: { i: number; count: number; q: QuestionFormValues; errors: FormErrors }) {
  const name = (f: QuestionField) => questionField(p.i, f);
  const n = p.i + 1;
  return (
    <fieldset class="card template-milestone question-fields" id={`question-${n}`}>
      <legend>Question {n}</legend>
      <input type="hidden" name={name('key')} value={p.q.key} />
      <label for={idOf(name('text'))}>Question text</label>
      <input id={idOf(name('text'))} name={name('text')} type="text" value={p.q.text} maxlength={QUESTION_LIMITS.text} required
        {...describedBy(name('text'), p.errors)} />
      <FieldError name={name('text')} errors={p.errors} />
      <FieldError name={name('key')} errors={p.errors} />
      <div class="grid">
        <div>
          <label for={idOf(name('kind'))}>Kind of answer</label>
          <select id={idOf(name('kind'))} name={name('kind')} data-kind {...describedBy(name('kind'), p.errors)}>
            {QUESTION_KINDS.map((k) => <option value={k} selected={p.q.kind === k}>{KIND_LABELS[k]}</option>)}
          </select>
          <FieldError name={name('kind')} errors={p.errors} />
        </div>
        <div>
          <label class="checkbox" for={idOf(name('required'))} style="margin-top:36px">
            <input id={idOf(name('required'))} type="checkbox" name={name('required')} value="on" checked={p.q.required} />
            {' '}Required: the AE cannot submit without answering
          </label>
        </div>
      </div>
      <label for={idOf(name('help'))}>Help text (optional)</label>
      <input id={idOf(name('help'))} name={name('help')} type="text" value={p.q.help} {...describedBy(name('help'), p.errors, true)} />
      <p class="muted small" id={`${idOf(name('help'))}-hint`} style="margin:2px 0 0">Shown under the question on the handoff page.</p>
      <FieldError name={name('help')} errors={p.errors} />
      <div class={`for-choice${p.errors[name('options')] ? ' has-error' : ''}`} data-options>
        <label for={idOf(name('options'))}>Options, one per line</label>
        <textarea id={idOf(name('options'))} name={name('options')} rows={4} {...describedBy(name('options'), p.errors, true)}>{p.q.options}</textarea>
        <p class="muted small" id={`${idOf(name('options'))}-hint`} style="margin:2px 0 0">
          {QUESTION_LIMITS.minOptions} to {QUESTION_LIMITS.maxOptions} options; the AE picks one.
        </p>
        <FieldError name={name('options')} errors={p.errors} />
      </div>
      <div class="button-row" style="margin-top:12px">
        {p.i > 0 ? <button type="submit" class="secondary" name="_op" value={`move-up:${p.i}`}>Move question {n} up</button> : null}
        {p.i < p.count - 1 ? <button type="submit" class="secondary" name="_op" value={`move-down:${p.i}`}>Move question {n} down</button> : null}
        <button type="submit" class="secondary" name="_op" value={`remove:${p.i}`}>Remove question {n}</button>
      </div>
    </fieldset>
  );
}

/**
 * The questions as one plain form. Structural buttons post the form back and get it re-rendered with
 * the change applied; nothing is stored until "Save questions".
 */
export function QuestionEditor(p: { csrfToken: string; values: QuestionsFormValues; errors: FormErrors }) {
  const errorCount = Object.keys(p.errors).length;
  return (
    <form method="post" action="/settings/questions" novalidate>
      <CsrfField token={p.csrfToken} />
      {/* First submit button in the form: pressing Enter in a field saves instead of removing something. */}
      <button type="submit" name="_op" value="save" class="visually-hidden" tabindex={-1} aria-hidden="true">Save questions</button>
      {errorCount > 0
        ? <p class="flash error" role="alert">{p.errors.form ?? `Nothing was saved: fix the ${errorCount === 1 ? 'field' : `${errorCount} fields`} marked below.`}</p>
        : null}
      {p.values.questions.map((q, i) => <QuestionFields i={i} count={p.values.questions.length} q={q} errors={p.errors} />)}
      {p.values.questions.length === 0 ? <p class="muted">No questions yet.</p> : null}
      {p.errors.questions ? <p class="field-error">{p.errors.questions}</p> : null}
      <div class="button-row">
        {p.values.questions.length < QUESTION_LIMITS.questions
          ? <button type="submit" class="secondary" name="_op" value="add">Add question</button>
          : <span class="muted small">At most {QUESTION_LIMITS.questions} questions.</span>}
        <button type="submit" name="_op" value="save">Save questions</button>
        <a class="button secondary" href="/settings">Cancel</a>
      </div>
    </form>
  );
}
