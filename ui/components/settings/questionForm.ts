import { z } from 'zod';
import {
  handoffQuestionListSchema, QUESTION_KEY, QUESTION_KINDS, QUESTION_LIMITS, questionKeyFrom, type HandoffQuestion,
} from '../../../domain/handoffQuestions.ts';
import { fieldNameOf, type FormErrors } from '../templates/templateForm.ts';
import { editList, type ListEdit } from '../forms/listEdits.ts';

/**
 * The handoff-questions editor's form, as typed (strings), following the template editor's pattern:
 * indexed field names (`questions[2][text]`) so it works without JavaScript, structural buttons that
 * re-render the edited form, and errors keyed by the field they belong to. The key travels in a
 * hidden field so a question keeps it through rewording and reordering; new questions have none yet.
 */
export interface QuestionFormValues { key: string; text: string; kind: string; required: boolean; help: string; options: string }
export interface QuestionsFormValues { questions: QuestionFormValues[] }

export const QUESTION_FIELDS = ['key', 'text', 'kind', 'required', 'help', 'options'] as const;
export type QuestionField = (typeof QUESTION_FIELDS)[number];
export const questionField = (i: number, field: QuestionField) => `questions[${i}][${field}]`;

export const KIND_LABELS: Record<(typeof QUESTION_KINDS)[number], string> = {
  text: 'Short text', long_text: 'Long text', multiple_choice: 'Multiple choice', yes_no: 'Yes / no',
};

export const newQuestion = (): QuestionFormValues => ({ key: '', text: '', kind: 'long_text', required: false, help: '', options: '' });

export function formValuesFromQuestions(questions: HandoffQuestion[]): QuestionsFormValues {
  return {
    questions: questions.map((q) => ({
      key: q.key, text: q.question, kind: q.kind, required: q.required, help: q.help ?? '', options: (q.options ?? []).join('\n'),
    })),
  };
}

const FIELD_KEY = /^questions\[(\d{1,3})\]\[(key|text|kind|required|help|options)\]$/;

/** Rebuilds the form from a posted body; indices are only an order (gaps closed), unknown keys ignored. */
export function formValuesFromBody(body: Record<string, unknown>): QuestionsFormValues {
  const rows = new Map<number, Partial<Record<QuestionField, string>>>();
  for (const [name, value] of Object.entries(body)) {
    const m = FIELD_KEY.exec(name);
    if (!m || typeof value !== 'string') continue;
    const i = Number(m[1]);
    rows.set(i, { ...rows.get(i), [m[2] as QuestionField]: value });
  }
  return {
    questions: [...rows.entries()].sort(([a], [b]) => a - b).map(([, r]) => ({
      key: r.key ?? '', text: r.text ?? '', kind: r.kind ?? '', required: r.required !== undefined, help: r.help ?? '', options: r.options ?? '',
    })),
  };
}

export type QuestionEditorOp =
  | { op: 'save' }
  | { op: 'add' }
  | { op: 'remove' | 'move-up' | 'move-down'; index: number };

export function parseQuestionEditorOp(value: unknown): QuestionEditorOp | null {
  if (value === undefined || value === 'save') return { op: 'save' };
  if (value === 'add') return { op: 'add' };
  const m = typeof value === 'string' ? /^(remove|move-up|move-down):(\d{1,3})$/.exec(value) : null;
  return m ? { op: m[1] as 'remove', index: Number(m[2]) } : null;
}

/** Applies a structural edit; out-of-range indices (a stale form) change nothing. */
export function applyQuestionEditorOp(values: QuestionsFormValues, op: Exclude<QuestionEditorOp, { op: 'save' }>): QuestionsFormValues {
  const edit: ListEdit = op.op === 'add' ? { kind: 'add' } : { kind: op.op, index: op.index };
  return { questions: editList(values.questions, edit, newQuestion, QUESTION_LIMITS.questions) };
}

const optionLines = z.string()
  .transform((v) => v.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== ''))
  .pipe(z.array(z.string().max(QUESTION_LIMITS.option, `Each option is at most ${QUESTION_LIMITS.option} characters`)));

const questionFormSchema = z.object({
  key: z.string().trim().refine((k) => k === '' || (k.length <= QUESTION_LIMITS.keyLength && QUESTION_KEY.test(k)),
    'This question\'s key was damaged: remove the question and add it again'),
  text: z.string().trim().min(1, 'Question text is required').max(QUESTION_LIMITS.text, `Question text is at most ${QUESTION_LIMITS.text} characters`),
  kind: z.enum(QUESTION_KINDS, { error: 'Choose a kind of answer' }),
  required: z.boolean(),
  help: z.string().trim().max(QUESTION_LIMITS.help, `Help text is at most ${QUESTION_LIMITS.help} characters`),
  options: optionLines,
}).superRefine((q, ctx) => {
  if (q.kind !== 'multiple_choice') return;
  if (q.options.length < QUESTION_LIMITS.minOptions || q.options.length > QUESTION_LIMITS.maxOptions) {
    ctx.addIssue({ code: 'custom', path: ['options'], message: `A multiple-choice question needs ${QUESTION_LIMITS.minOptions} to ${QUESTION_LIMITS.maxOptions} options, one per line` });
  } else if (new Set(q.options.map((o) => o.toLowerCase())).size !== q.options.length) {
    ctx.addIssue({ code: 'custom', path: ['options'], message: 'Each option must be different' });
  }
});

const questionsFormSchema = z.object({
  questions: z.array(questionFormSchema)
    .min(1, 'Keep at least one question')
    .max(QUESTION_LIMITS.questions, `At most ${QUESTION_LIMITS.questions} questions`),
});

/** Checked apart from the schema so it is reported together with the other fields' mistakes. */
function duplicateKeyErrors(values: QuestionsFormValues): FormErrors {
  const errors: FormErrors = {};
  const seen = new Set<string>();
  values.questions.forEach((q, i) => {
    const key = q.key.trim();
    if (key && seen.has(key)) errors[questionField(i, 'key')] = 'Two questions have the same key: remove one and add it again';
    if (key) seen.add(key);
  });
  return errors;
}

/**
 * Checks the form and turns it into the questions to store. Existing questions keep their key (and
 * the rule-based drafter's cues known for it); new ones get a key derived from their text.
 */
export function validateQuestionsForm(values: QuestionsFormValues, current: HandoffQuestion[]):
  { ok: true; questions: HandoffQuestion[] } | { ok: false; errors: FormErrors } {
  const parsed = questionsFormSchema.safeParse(values);
  const errors = duplicateKeyErrors(values);
  for (const issue of parsed.error?.issues ?? []) errors[fieldNameOf(issue.path)] ??= issue.message;
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const cuesByKey = new Map(current.map((q) => [q.key, q.cues]));
  const taken = new Set(parsed.data.questions.map((q) => q.key).filter(Boolean));
  const questions = parsed.data.questions.map((q): HandoffQuestion => {
    const key = q.key || questionKeyFrom(q.text, taken);
    taken.add(key);
    const cues = cuesByKey.get(key);
    return {
      key, question: q.text, kind: q.kind, required: q.required,
      ...(q.help ? { help: q.help } : {}),
      ...(q.kind === 'multiple_choice' ? { options: q.options } : {}),
      ...(cues?.length ? { cues } : {}),
    };
  });
  // The stored shape's own rules, as a last check that the form and the domain agree.
  const stored = handoffQuestionListSchema.safeParse(questions);
  if (!stored.success) return { ok: false, errors: { form: stored.error.issues[0]?.message ?? 'These questions cannot be saved' } };
  return { ok: true, questions: stored.data };
}
