import { raw } from 'hono/html';
import { ACTION_KINDS } from '../../../domain/templates.ts';
import { CsrfField } from '../CsrfField.tsx';
import {
  actionField, LIMITS, milestoneField, type ActionFormValues, type FormErrors, type MilestoneFormValues, type TemplateFormValues,
} from './templateForm.ts';

const idOf = (name: string) => `f-${name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, '')}`;

const TRIGGER_LABELS = { milestone_start: 'When the milestone starts (+ delay)', manual: 'Manual' } as const;

/** Error text under a field, tied to it with aria-describedby. */
function FieldError(p: { name: string; errors: FormErrors }) {
  const message = p.errors[p.name];
  return message ? <p class="field-error" id={`${idOf(p.name)}-error`}>{message}</p> : null;
}

function errorAttrs(name: string, errors: FormErrors) {
  return errors[name] ? { 'aria-invalid': 'true', 'aria-describedby': `${idOf(name)}-error` } : {};
}

function TextField(p: { name: string; label: string; value: string; errors: FormErrors; type?: 'text' | 'number'; min?: number; max?: number; required?: boolean }) {
  return (
    <div>
      <label for={idOf(p.name)}>{p.label}</label>
      <input id={idOf(p.name)} name={p.name} type={p.type ?? 'text'} value={p.value} min={p.min} max={p.max} required={p.required} {...errorAttrs(p.name, p.errors)} />
      <FieldError name={p.name} errors={p.errors} />
    </div>
  );
}

function ActionFields(p: { i: number; j: number; action: ActionFormValues; errors: FormErrors }) {
  const name = (f: Parameters<typeof actionField>[2]) => actionField(p.i, p.j, f);
  return (
    <fieldset class="template-action">
      <legend>Action {p.i + 1}.{p.j + 1}</legend>
      <div class="grid">
        <TextField name={name('label')} label="Label" value={p.action.label} errors={p.errors} required />
        <div>
          <label for={idOf(name('kind'))}>Type</label>
          <select id={idOf(name('kind'))} name={name('kind')} data-kind {...errorAttrs(name('kind'), p.errors)}>
            {ACTION_KINDS.map((k) => <option value={k} selected={p.action.kind === k}>{k}</option>)}
          </select>
          <FieldError name={name('kind')} errors={p.errors} />
        </div>
        <div>
          <label for={idOf(name('trigger'))}>Trigger</label>
          <select id={idOf(name('trigger'))} name={name('trigger')} {...errorAttrs(name('trigger'), p.errors)}>
            {(['milestone_start', 'manual'] as const).map((t) => <option value={t} selected={p.action.trigger === t}>{TRIGGER_LABELS[t]}</option>)}
          </select>
          <FieldError name={name('trigger')} errors={p.errors} />
        </div>
        <TextField name={name('delayHours')} label={`Delay in hours (0–${LIMITS.delayHours}, after the milestone starts)`} type="number" min={0} max={LIMITS.delayHours} value={p.action.delayHours} errors={p.errors} />
      </div>
      <label for={idOf(name('description'))}>Description</label>
      <textarea id={idOf(name('description'))} name={name('description')} {...errorAttrs(name('description'), p.errors)}>{p.action.description}</textarea>
      <FieldError name={name('description')} errors={p.errors} />
      <label class="checkbox" for={idOf(name('blocker'))}>
        <input id={idOf(name('blocker'))} type="checkbox" name={name('blocker')} value="on" checked={p.action.blocker} />
        {' '}Blocker: must be done before the milestone can complete
      </label>
      <div class="for-kind for-email">
        <label class="checkbox" for={idOf(name('autoSend'))}>
          <input id={idOf(name('autoSend'))} type="checkbox" name={name('autoSend')} value="on" checked={p.action.autoSend} />
          {' '}Send automatically: the drafted email goes out without waiting for review
        </label>
      </div>
      <div class="for-kind for-meeting">
        <label for={idOf(name('schedulingUrl'))}>Scheduling link <span class="muted small">(optional, https; shown on the action and in the customer emails)</span></label>
        <input
          id={idOf(name('schedulingUrl'))} name={name('schedulingUrl')} type="url" inputmode="url" value={p.action.schedulingUrl}
          placeholder="https://calendly.com/your-name/kickoff" maxlength={500} {...errorAttrs(name('schedulingUrl'), p.errors)}
        />
        <FieldError name={name('schedulingUrl')} errors={p.errors} />
      </div>
      <div class="for-kind for-form">
        <label for={idOf(name('fields'))}>Fields the customer fills in on the portal <span class="muted small">(one a line: <code>key: Label (text | long_text | choice | file[, required][: options]) — help</code>; none asks for one written answer)</span></label>
        <textarea
          id={idOf(name('fields'))} name={name('fields')} rows={4} maxlength={10000}
          placeholder={'sso_provider: Which SSO provider do you use? (text, required)\ndata_region: Data region (choice, required: EU, US)\narchitecture: Architecture diagram (file) — a PDF or an image'}
          {...errorAttrs(name('fields'), p.errors)}
        >{p.action.fields}</textarea>
        <FieldError name={name('fields')} errors={p.errors} />
      </div>
      <button type="submit" class="secondary" name="_op" value={`remove-action:${p.i}:${p.j}`}>Remove action {p.i + 1}.{p.j + 1}</button>
    </fieldset>
  );
}

// Kind-specific fields show for their kind as the admin picks it, without JavaScript: CSS reads the
// selected option. A field under another kind is ignored on save; its error (if any) still shows it.
const KIND_FIELD_STYLES = [
  '.template-action .for-kind{display:none}',
  '.template-action:has(select[data-kind] option[value="email"]:checked) .for-email{display:block}',
  '.template-action:has(select[data-kind] option[value="meeting"]:checked) .for-meeting{display:block}',
  '.template-action:has(select[data-kind] option[value="form"]:checked) .for-form{display:block}',
  '.template-action .for-kind:has([aria-invalid="true"]){display:block}',
].join('');

function MilestoneFields(p: { i: number; count: number; milestone: MilestoneFormValues; errors: FormErrors }) {
  const actionsError = p.errors[`milestones[${p.i}][actions]`];
  return (
    <fieldset class="card template-milestone" id={`milestone-${p.i + 1}`}>
      <legend>Milestone {p.i + 1}</legend>
      <div class="grid">
        <TextField name={milestoneField(p.i, 'name')} label="Milestone name" value={p.milestone.name} errors={p.errors} required />
        <TextField name={milestoneField(p.i, 'durationDays')} label="Duration in days" type="number" min={1} max={365} value={p.milestone.durationDays} errors={p.errors} required />
      </div>
      <div class="button-row">
        {p.i > 0 ? <button type="submit" class="secondary" name="_op" value={`move-milestone-up:${p.i}`}>Move milestone {p.i + 1} up</button> : null}
        {p.i < p.count - 1 ? <button type="submit" class="secondary" name="_op" value={`move-milestone-down:${p.i}`}>Move milestone {p.i + 1} down</button> : null}
        <button type="submit" class="secondary" name="_op" value={`remove-milestone:${p.i}`}>Remove milestone {p.i + 1}</button>
      </div>
      <h3>Actions</h3>
      {p.milestone.actions.length === 0 ? <p class="muted">No actions yet.</p> : null}
      {p.milestone.actions.map((action, j) => <ActionFields i={p.i} j={j} action={action} errors={p.errors} />)}
      {actionsError ? <p class="field-error">{actionsError}</p> : null}
      {p.milestone.actions.length < LIMITS.actionsPerMilestone
        ? <button type="submit" class="secondary" name="_op" value={`add-action:${p.i}`}>Add action to milestone {p.i + 1}</button>
        : null}
    </fieldset>
  );
}

/**
 * The whole editor as one plain form. Structural buttons post the form back and get it re-rendered
 * with the change applied (nothing is saved until "Save").
 */
export function TemplateEditor(p: { action: string; csrfToken: string; values: TemplateFormValues; errors: FormErrors; cancelHref: string; submitLabel: string }) {
  const errorCount = Object.keys(p.errors).length;
  return (
    <>
      <style>{raw(KIND_FIELD_STYLES)}</style>
      <form method="post" action={p.action} novalidate>
        <CsrfField token={p.csrfToken} />
        {/* First submit button in the form: pressing Enter in a field saves instead of removing something. */}
        <button type="submit" name="_op" value="save" class="visually-hidden" tabindex={-1} aria-hidden="true">{p.submitLabel}</button>
        {errorCount > 0
          ? <p class="flash error" role="alert">{p.errors.form ?? `Nothing was saved: fix the ${errorCount === 1 ? 'field' : `${errorCount} fields`} marked below.`}</p>
          : null}
        <div class="card">
          <TextField name="name" label="Name" value={p.values.name} errors={p.errors} required />
          <label for={idOf('description')}>Description</label>
          <textarea id={idOf('description')} name="description" {...errorAttrs('description', p.errors)}>{p.values.description}</textarea>
          <FieldError name="description" errors={p.errors} />
          <div class="grid">
            <TextField name="estimatedDurationDays" label="Estimated duration in days" type="number" min={1} max={730} value={p.values.estimatedDurationDays} errors={p.errors} required />
            <TextField name="targetSegment" label="Target segment" value={p.values.targetSegment} errors={p.errors} required />
          </div>
        </div>
        <h2>Milestones</h2>
        {p.values.milestones.map((m, i) => <MilestoneFields i={i} count={p.values.milestones.length} milestone={m} errors={p.errors} />)}
        {p.errors.milestones ? <p class="field-error">{p.errors.milestones}</p> : null}
        <div class="button-row">
          {p.values.milestones.length < LIMITS.milestones ? <button type="submit" class="secondary" name="_op" value="add-milestone">Add milestone</button> : null}
          <button type="submit" name="_op" value="save">{p.submitLabel}</button>
          <a class="button secondary" href={p.cancelHref}>Cancel</a>
        </div>
      </form>
    </>
  );
}
