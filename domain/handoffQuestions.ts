import { z } from 'zod';

/** Who drafted a handoff's answers: stored on the handoff, shown to the AE and the CSM. */
export const HANDOFF_DRAFTERS = ['rule_based', 'openai'] as const;
export type HandoffDrafterName = (typeof HANDOFF_DRAFTERS)[number];

export const QUESTION_KINDS = ['text', 'long_text', 'multiple_choice', 'yes_no'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export const QUESTION_LIMITS = { questions: 20, text: 300, help: 500, option: 100, minOptions: 2, maxOptions: 10, keyLength: 40 } as const;

/** Keys end up in form field names (`answer_<key>`) and element IDs, so they stay plain slugs. */
export const QUESTION_KEY = /^[a-z][a-z0-9_]*$/;

/** The answers a yes/no question accepts, as stored. */
export const YES_NO_ANSWERS = ['yes', 'no'] as const;

/**
 * One handoff question as an organisation configures it (organisations.settings.handoffQuestions).
 * `key` is stable across edits of the wording; `question` is the text the AE reads.
 */
export const handoffQuestionSchema = z.object({
  key: z.string().max(QUESTION_LIMITS.keyLength).regex(QUESTION_KEY, 'Key must be a lowercase slug'),
  question: z.string().trim().min(1, 'Question text is required').max(QUESTION_LIMITS.text, `Question text is at most ${QUESTION_LIMITS.text} characters`),
  kind: z.enum(QUESTION_KINDS, { error: 'Choose a kind of answer' }),
  required: z.boolean(),
  help: z.string().trim().max(QUESTION_LIMITS.help, `Help text is at most ${QUESTION_LIMITS.help} characters`).optional(),
  options: z.array(z.string().trim().min(1).max(QUESTION_LIMITS.option, `Each option is at most ${QUESTION_LIMITS.option} characters`)).optional(),
  /** Words that, in CRM notes, usually sit next to the answer (the rule-based drafter's hints). */
  cues: z.array(z.string()).optional(),
}).superRefine((q, ctx) => {
  if (q.kind !== 'multiple_choice') return;
  const options = q.options ?? [];
  if (options.length < QUESTION_LIMITS.minOptions || options.length > QUESTION_LIMITS.maxOptions) {
    ctx.addIssue({ code: 'custom', path: ['options'], message: `Give ${QUESTION_LIMITS.minOptions} to ${QUESTION_LIMITS.maxOptions} options, one per line` });
  } else if (new Set(options.map((o) => o.toLowerCase())).size !== options.length) {
    ctx.addIssue({ code: 'custom', path: ['options'], message: 'Each option must be different' });
  }
});

export type HandoffQuestion = z.infer<typeof handoffQuestionSchema>;

export const handoffQuestionListSchema = z.array(handoffQuestionSchema)
  .min(1, 'Keep at least one question')
  .max(QUESTION_LIMITS.questions, `At most ${QUESTION_LIMITS.questions} questions`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((q, i) => {
      if (seen.has(q.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `Two questions share the key "${q.key}"` });
      seen.add(q.key);
    });
  });

const longText = (key: string, question: string, cues: string[]): HandoffQuestion => ({ key, question, kind: 'long_text', required: false, cues });

export const DEFAULT_HANDOFF_QUESTIONS: HandoffQuestion[] = [
  longText('goals', 'What does the customer want to achieve?', ['goal', 'objective', 'want', 'aim', 'outcome']),
  longText('success_criteria', 'How will they judge success?', ['success', 'kpi', 'metric', 'measure', 'criteria']),
  longText('stakeholders', 'Who are the stakeholders and decision makers?', ['stakeholder', 'champion', 'sponsor', 'decision', 'cfo', 'cto', 'ceo', 'vp']),
  longText('technical_requirements', 'What technical requirements or integrations matter?', ['integration', 'sso', 'api', 'technical', 'requirement', 'security', 'salesforce', 'hubspot']),
  longText('risks', 'What risks or concerns came up during the sale?', ['risk', 'concern', 'worry', 'blocker', 'issue', 'churn']),
  longText('timeline', 'What timeline did the customer agree to?', ['timeline', 'deadline', 'launch', 'go-live', 'go live', 'by q', 'weeks', 'months']),
  longText('competitive_context', 'Which competitors or incumbent tools were involved?', ['competitor', 'compet', 'versus', ' vs', 'replac', 'incumbent', 'switch']),
];

/** The organisation's questions; absent (never edited, or reset) means the defaults, so later default changes reach it. */
export function handoffQuestionsOf(settings: { handoffQuestions?: HandoffQuestion[] | undefined }): HandoffQuestion[] {
  return settings.handoffQuestions?.length ? settings.handoffQuestions : DEFAULT_HANDOFF_QUESTIONS;
}

/** A key for a new question, from its text: "Which plan did they buy?" → which_plan_did_they_buy. */
export function questionKeyFrom(text: string, taken: ReadonlySet<string>): string {
  const slug = text.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^[_0-9]+|_+$/g, '')
    .slice(0, QUESTION_LIMITS.keyLength - 4).replace(/_+$/, '') || 'question';
  if (!taken.has(slug)) return slug;
  for (let n = 2; ; n += 1) if (!taken.has(`${slug}_${n}`)) return `${slug}_${n}`;
}

/**
 * The stored form of an answer to a choice question, or null when it is not one of the choices.
 * Matching ignores case and surrounding spaces (a model or a hand-written post may vary them).
 */
export function normaliseChoice(q: { kind?: QuestionKind | undefined; options?: string[] | undefined }, answer: string): string | null {
  const wanted = answer.trim().toLowerCase();
  const choices: readonly string[] = q.kind === 'yes_no' ? YES_NO_ANSWERS : q.kind === 'multiple_choice' ? q.options ?? [] : [];
  return choices.find((c) => c.toLowerCase() === wanted) ?? null;
}

export const isChoiceKind = (kind: QuestionKind | undefined): kind is 'multiple_choice' | 'yes_no' => kind === 'multiple_choice' || kind === 'yes_no';
