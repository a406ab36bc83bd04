import { z } from 'zod';
import type { TemplateDefinition } from '../../../db/repositories/templates.ts';
import {
  ACTION_KINDS, AUTO_SEND_KINDS, FORM_FIELD_KINDS, SCHEDULED_KINDS, type ActionKind, type FormField, type TemplateAction, type TemplateMilestone,
} from '../../../domain/templates.ts';
import { editList, type ListEdit } from '../forms/listEdits.ts';

/**
 * The template editor's form, as typed (strings), so a form with mistakes or a structural edit
 * (add/remove/move) re-renders exactly what the admin entered. Field names are indexed
 * (`milestones[0][actions][1][label]`) so the form works without JavaScript; this module owns both
 * the names the editor renders and the parsing of what comes back.
 */
export interface ActionFormValues {
  label: string; kind: string; trigger: string; delayHours: string; description: string; blocker: boolean;
  /** Emails only: sent without review. */
  autoSend: boolean;
  /** Meetings only: the customer's booking link. */
  schedulingUrl: string;
  /** Information requests (`form`) only: what the customer fills in on the portal, one field a line (formFieldsText). */
  fields: string;
}
export interface MilestoneFormValues { name: string; durationDays: string; actions: ActionFormValues[] }
export interface TemplateFormValues {
  name: string;
  description: string;
  estimatedDurationDays: string;
  targetSegment: string;
  milestones: MilestoneFormValues[];
}

export const ACTION_FIELDS = ['label', 'kind', 'trigger', 'delayHours', 'description', 'blocker', 'autoSend', 'schedulingUrl', 'fields'] as const;
type ActionField = (typeof ACTION_FIELDS)[number];
export const TRIGGER_TYPES = ['milestone_start', 'manual'] as const;
export const LIMITS = { milestones: 30, actionsPerMilestone: 20, delayHours: 720 } as const;

export const milestoneField = (i: number, field: 'name' | 'durationDays') => `milestones[${i}][${field}]`;
export const actionField = (i: number, j: number, field: ActionField) => `milestones[${i}][actions][${j}][${field}]`;

export const newAction = (): ActionFormValues => ({ label: '', kind: 'task', trigger: 'milestone_start', delayHours: '0', description: '', blocker: false, autoSend: false, schedulingUrl: '', fields: '' });
export const newMilestone = (): MilestoneFormValues => ({ name: '', durationDays: '7', actions: [newAction()] });
export const emptyTemplateForm = (): TemplateFormValues => ({
  name: '', description: '', estimatedDurationDays: '30', targetSegment: '', milestones: [newMilestone()],
});

export function formValuesFromDefinition(d: TemplateDefinition): TemplateFormValues {
  return {
    name: d.name, description: d.description, estimatedDurationDays: String(d.estimatedDurationDays), targetSegment: d.targetSegment,
    milestones: [...d.milestones].sort((a, b) => a.sequence - b.sequence).map((m) => ({
      name: m.name, durationDays: String(m.durationDays),
      actions: m.actions.map((a) => ({
        label: a.label, kind: a.kind, trigger: a.trigger.type, description: a.description, blocker: a.blocker,
        delayHours: a.trigger.type === 'milestone_start' ? String(a.trigger.delayHours) : '0',
        autoSend: a.autoSend === true, schedulingUrl: a.schedulingUrl ?? '', fields: formFieldsText(a.fields ?? []),
      })),
    })),
  };
}

// ---- an information request's fields, as lines of text ------------------------------------------

/**
 * One field a line, as the editor shows and takes them:
 * `key: Label (kind[, required][: option, option]) — help`. The key (letters, digits, `_`) names the
 * answer and may be left out for a new field (it is made from the label); kinds are text, long_text,
 * choice and file; a choice lists its options.
 */
export function formFieldsText(fields: FormField[]): string {
  return fields.map((f) => {
    const spec = [f.kind, f.required ? 'required' : ''].filter(Boolean).join(', ') + (f.kind === 'choice' && f.options?.length ? `: ${f.options.join(', ')}` : '');
    return `${f.key}: ${f.label} (${spec})${f.help ? ` — ${f.help}` : ''}`;
  }).join('\n');
}

const FIELD_LINE = new RegExp(`^(?:([A-Za-z0-9_]{1,40}):\\s+)?(.+?)\\s*\\((${FORM_FIELD_KINDS.join('|')})(\\s*,\\s*required)?(?:\\s*:\\s*([^)]*))?\\)\\s*(?:—\\s*(.+))?$`);
const keyFromLabel = (label: string) => label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'field';

/** The fields the lines describe, or the first line's problem, named by its number. */
export function parseFormFields(text: string): { fields: FormField[] } | { error: string } {
  const fields: FormField[] = [];
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    const m = FIELD_LINE.exec(line);
    if (!m) return { error: `Fields, line ${i + 1}: write it as "key: Label (${FORM_FIELD_KINDS.join(' | ')}[, required][: options]) — help"` };
    const [, key, label, kind, required, options, help] = m;
    const field: FormField = {
      key: key ?? keyFromLabel(label!), label: label!.slice(0, 200), kind: kind as FormField['kind'],
      ...(required ? { required: true } : {}),
      ...(help?.trim() ? { help: help.trim().slice(0, 1000) } : {}),
    };
    if (kind === 'choice') {
      const choices = (options ?? '').split(',').map((o) => o.trim()).filter(Boolean);
      if (!choices.length) return { error: `Fields, line ${i + 1}: a choice lists its options, e.g. (choice: EU, US)` };
      field.options = choices;
    }
    if (fields.some((f) => f.key === field.key)) return { error: `Fields, line ${i + 1}: the key "${field.key}" is used twice` };
    fields.push(field);
  }
  if (fields.length > 20) return { error: 'Fields: at most 20 per information request' };
  return { fields };
}

const MILESTONE_KEY = /^milestones\[(\d{1,3})\]\[(name|durationDays)\]$/;
const ACTION_KEY = /^milestones\[(\d{1,3})\]\[actions\]\[(\d{1,3})\]\[(label|kind|trigger|delayHours|description|blocker|autoSend|schedulingUrl|fields)\]$/;

/** Rebuilds the form from a posted body; indices are only an order (gaps closed), unknown keys ignored. */
export function formValuesFromBody(body: Record<string, unknown>): TemplateFormValues {
  const text = (key: string) => (typeof body[key] === 'string' ? body[key] : '');
  const milestones = new Map<number, { name: string; durationDays: string; actions: Map<number, Partial<Record<ActionField, string>>> }>();
  const milestoneAt = (i: number) => {
    let m = milestones.get(i);
    if (!m) milestones.set(i, m = { name: '', durationDays: '', actions: new Map() });
    return m;
  };
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string') continue;
    const ms = MILESTONE_KEY.exec(key);
    if (ms) {
      milestoneAt(Number(ms[1]))[ms[2] as 'name' | 'durationDays'] = value;
      continue;
    }
    const ac = ACTION_KEY.exec(key);
    if (ac) {
      const actions = milestoneAt(Number(ac[1])).actions;
      const j = Number(ac[2]);
      actions.set(j, { ...actions.get(j), [ac[3] as ActionField]: value });
    }
  }
  const byIndex = <T>(map: Map<number, T>): T[] => [...map.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
  return {
    name: text('name'), description: text('description'), estimatedDurationDays: text('estimatedDurationDays'), targetSegment: text('targetSegment'),
    milestones: byIndex(milestones).map((m) => ({
      name: m.name, durationDays: m.durationDays,
      actions: byIndex(m.actions).map((a) => ({
        label: a.label ?? '', kind: a.kind ?? '', trigger: a.trigger ?? '', delayHours: a.delayHours ?? '',
        description: a.description ?? '', blocker: a.blocker !== undefined,
        autoSend: a.autoSend !== undefined, schedulingUrl: a.schedulingUrl ?? '', fields: a.fields ?? '',
      })),
    })),
  };
}

/** What the admin asked for with the button they pressed: save, or reshape the form and show it again. */
export type EditorOp =
  | { op: 'save' }
  | { op: 'add-milestone' }
  | { op: 'remove-milestone' | 'move-milestone-up' | 'move-milestone-down' | 'add-action'; milestone: number }
  | { op: 'remove-action'; milestone: number; action: number };

export function parseEditorOp(value: unknown): EditorOp | null {
  if (value === undefined || value === 'save') return { op: 'save' };
  if (value === 'add-milestone') return { op: 'add-milestone' };
  if (typeof value !== 'string') return null;
  const one = /^(remove-milestone|move-milestone-up|move-milestone-down|add-action):(\d{1,3})$/.exec(value);
  if (one) return { op: one[1] as 'remove-milestone', milestone: Number(one[2]) };
  const two = /^remove-action:(\d{1,3}):(\d{1,3})$/.exec(value);
  if (two) return { op: 'remove-action', milestone: Number(two[1]), action: Number(two[2]) };
  return null;
}

/** Applies a structural edit; out-of-range indices (a stale form) change nothing. */
export function applyEditorOp(values: TemplateFormValues, op: Exclude<EditorOp, { op: 'save' }>): TemplateFormValues {
  const editMilestones = (edit: ListEdit) => ({ ...values, milestones: editList(values.milestones, edit, newMilestone, LIMITS.milestones) });
  const editActions = (milestone: number, edit: ListEdit) => ({
    ...values,
    milestones: values.milestones.map((m, i) => (i === milestone ? { ...m, actions: editList(m.actions, edit, newAction, LIMITS.actionsPerMilestone) } : m)),
  });
  switch (op.op) {
    case 'add-milestone': return editMilestones({ kind: 'add' });
    case 'remove-milestone': return editMilestones({ kind: 'remove', index: op.milestone });
    case 'move-milestone-up': return editMilestones({ kind: 'move-up', index: op.milestone });
    case 'move-milestone-down': return editMilestones({ kind: 'move-down', index: op.milestone });
    case 'add-action': return editActions(op.milestone, { kind: 'add' });
    case 'remove-action': return editActions(op.milestone, { kind: 'remove', index: op.action });
  }
}

const wholeNumber = (label: string, min: number, max: number) => z.string().trim()
  .min(1, `${label} is required`)
  .regex(/^\d+$/, `${label} must be a whole number`)
  .transform(Number)
  .pipe(z.number().min(min, `${label} must be at least ${min}`).max(max, `${label} must be at most ${max}`));

const actionSchema = z.object({
  label: z.string().trim().min(1, 'Label is required').max(120, 'Label is at most 120 characters'),
  kind: z.enum(ACTION_KINDS, { error: `Type must be one of ${ACTION_KINDS.join(', ')}` }),
  trigger: z.enum(TRIGGER_TYPES, { error: 'Trigger must be "when the milestone starts" or "manual"' }),
  // Checked even for manual actions, so a typo is reported rather than silently dropped.
  delayHours: z.string().trim().transform((v) => v || '0').pipe(wholeNumber('Delay', 0, LIMITS.delayHours)),
  description: z.string().trim().max(2000, 'Description is at most 2000 characters'),
  blocker: z.boolean(),
  autoSend: z.boolean(),
  schedulingUrl: z.string().trim().max(500, 'Scheduling link is at most 500 characters'),
  fields: z.string().max(10_000, 'Fields are at most 10,000 characters'),
}).superRefine((a, ctx) => {
  if (a.kind === 'form') {
    const parsed = parseFormFields(a.fields);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', path: ['fields'], message: parsed.error });
  }
  // Only a meeting's link is kept (the field shows for meetings): a link typed under another kind is dropped, not refused.
  if (!SCHEDULED_KINDS.includes(a.kind as ActionKind) || !a.schedulingUrl) return;
  const refusal = schedulingUrlError(a.schedulingUrl);
  if (refusal) ctx.addIssue({ code: 'custom', path: ['schedulingUrl'], message: refusal });
}).transform((a): TemplateAction => ({
  kind: a.kind as ActionKind, label: a.label, description: a.description, blocker: a.blocker,
  trigger: a.trigger === 'manual' ? { type: 'manual' } : { type: 'milestone_start', delayHours: a.delayHours },
  // Written only when set, so templates saved before these fields existed compare unchanged.
  ...(a.autoSend && AUTO_SEND_KINDS.includes(a.kind as ActionKind) ? { autoSend: true } : {}),
  ...(a.schedulingUrl && SCHEDULED_KINDS.includes(a.kind as ActionKind) ? { schedulingUrl: a.schedulingUrl } : {}),
  ...fieldsOf(a.kind, a.fields),
}));

/** An information request's fields, when it has any (only forms keep them; checked above). */
function fieldsOf(kind: string, text: string): { fields?: FormField[] } {
  if (kind !== 'form') return {};
  const parsed = parseFormFields(text);
  return 'fields' in parsed && parsed.fields.length ? { fields: parsed.fields } : {};
}

/** Why a scheduling link cannot be used, or null: an absolute https URL to a host (it goes to customers). */
export function schedulingUrlError(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Scheduling link must be a full URL, like https://calendly.com/your-name/kickoff';
  }
  if (url.protocol !== 'https:') return 'Scheduling link must start with https://';
  if (!url.hostname.includes('.') || url.username || url.password) return 'Scheduling link must be a public https URL, like https://calendly.com/your-name/kickoff';
  return null;
}

const milestoneSchema = z.object({
  name: z.string().trim().min(1, 'Milestone name is required').max(120, 'Milestone name is at most 120 characters'),
  durationDays: wholeNumber('Duration', 1, 365),
  actions: z.array(actionSchema).max(LIMITS.actionsPerMilestone, `A milestone has at most ${LIMITS.actionsPerMilestone} actions`),
});

export const templateFormSchema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(120, 'Name is at most 120 characters'),
  description: z.string().trim().max(2000, 'Description is at most 2000 characters'),
  estimatedDurationDays: wholeNumber('Estimated duration', 1, 730),
  targetSegment: z.string().trim().min(1, 'Target segment is required').max(80, 'Target segment is at most 80 characters'),
  milestones: z.array(milestoneSchema)
    .min(1, 'Add at least one milestone')
    .max(LIMITS.milestones, `A template has at most ${LIMITS.milestones} milestones`),
}).transform((t): TemplateDefinition => ({
  name: t.name, description: t.description, estimatedDurationDays: t.estimatedDurationDays, targetSegment: t.targetSegment,
  milestones: t.milestones.map((m, i): TemplateMilestone => ({ sequence: i + 1, name: m.name, durationDays: m.durationDays, actions: m.actions })),
}));

/** Errors keyed by the form field they belong to (the same indexed names the editor renders). */
export type FormErrors = Record<string, string>;

export function fieldNameOf(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return head === undefined ? 'form' : head + rest.map((p) => `[${p}]`).join('');
}

export function validateTemplateForm(values: TemplateFormValues): { ok: true; definition: TemplateDefinition } | { ok: false; errors: FormErrors } {
  const parsed = templateFormSchema.safeParse(values);
  if (parsed.success) return { ok: true, definition: parsed.data };
  const errors: FormErrors = {};
  for (const issue of parsed.error.issues) errors[fieldNameOf(issue.path)] ??= issue.message;
  return { ok: false, errors };
}
