import { withPortalLink } from '../../domain/actions.ts';
import { isChoiceKind, type HandoffQuestion } from '../../domain/handoffQuestions.ts';
import type { ActionEmailContext, DraftingContext, HandoffDraft, HandoffDrafter } from './drafter.ts';

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n+/).map((s) => s.replace(/^[-*•\s]+/, '').trim()).filter(Boolean);
}

/** Whether `stem` starts a word of `text` (a cue may be a stem: "replac" finds "replacing", "api" never finds "rapid"). */
function startsWord(text: string, stem: string): boolean {
  if (!stem) return false;
  for (let at = text.indexOf(stem); at !== -1; at = text.indexOf(stem, at + 1)) {
    if (!isWordChar(text[at - 1])) return true;
  }
  return false;
}

const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);

/** How many of the cues a sentence mentions. */
function cueHits(sentence: string, cues: string[]): number {
  const lower = sentence.toLowerCase();
  return cues.filter((cue) => startsWord(lower, cue.trim().toLowerCase())).length;
}

function matching(all: string[], cues: string[]): string[] {
  return all.filter((s) => cueHits(s, cues) > 0);
}

/** A note's own heading ("Risk:", "Goals -"): what the writer said the sentence is about. */
const LABEL = /^([\p{L}][\p{L}\p{N} /&'-]{0,40}?)\s*[:\u2013\u2014-]\s/u;
const LABEL_WEIGHT = 10;

/** How strongly a sentence answers a question: its heading naming the question outweighs any number of cue words. */
function relevance(sentence: string, cues: string[]): number {
  const label = LABEL.exec(sentence)?.[1];
  return (label && cueHits(label, cues) ? LABEL_WEIGHT : 0) + cueHits(sentence, cues);
}

/**
 * Each sentence goes under the question it answers best ("Risk: SSO rollout" under risks, not also
 * under technical requirements; "Goal: replace spreadsheets" under goals, not under competitors);
 * a sentence that two questions claim equally goes under both.
 */
function sentencesByQuestion(notes: string[], questions: HandoffQuestion[]): Map<string, string[]> {
  const picked = new Map<string, string[]>(questions.map((q) => [q.key, []]));
  for (const sentence of notes) {
    const scores = questions.map((q) => ({ key: q.key, score: relevance(sentence, q.cues ?? []) }));
    const best = Math.max(0, ...scores.map((s) => s.score));
    if (!best) continue;
    for (const s of scores) if (s.score === best) picked.get(s.key)?.push(sentence);
  }
  return picked;
}

/** What the account's own fields say, for questions the notes may not answer. */
function fromFields(key: string, c: DraftingContext): string | null {
  switch (key) {
    case 'stakeholders': {
      const contact = `${c.primaryContactName}${c.primaryContactRole ? ` (${c.primaryContactRole})` : ''}, ${c.primaryContactEmail}`;
      return `Primary contact: ${contact}.${c.aeEmail ? ` AE: ${c.aeEmail}.` : ''}`;
    }
    case 'timeline':
      return `Deal closed ${c.closeDate}.`;
    default:
      return null;
  }
}

/**
 * A choice only when the notes that mention the question name exactly one of its options; yes/no
 * needs judgement, so it stays empty for the AE to answer.
 */
function choiceFromNotes(q: HandoffQuestion, notes: string[]): string {
  if (q.kind !== 'multiple_choice') return '';
  const relevant = (q.cues?.length ? matching(notes, q.cues) : notes).join(' ').toLowerCase();
  const named = (q.options ?? []).filter((o) => mentions(relevant, o.toLowerCase()));
  return named.length === 1 ? named[0]! : '';
}

/** `phrase` as a whole word or words of `text` ("pro" is not in "product"). */
function mentions(text: string, phrase: string): boolean {
  for (let at = text.indexOf(phrase); at !== -1; at = text.indexOf(phrase, at + 1)) {
    if (!isWordChar(text[at - 1]) && !isWordChar(text[at + phrase.length])) return true;
  }
  return false;
}

/**
 * Drafts answers by putting each sentence of the CRM notes under the question whose cues it mentions best.
 * Every answer is marked unverified: it is a starting point for the AE, not a claim.
 */
export function createRuleBasedDrafter(): HandoffDrafter {
  return {
    draft: async function draftByRules(context: DraftingContext, questions: HandoffQuestion[]): Promise<HandoffDraft> {
      const notes = sentences([context.rawPayload, context.notes].filter(Boolean).join('\n'));
      const byQuestion = sentencesByQuestion(notes, questions.filter((q) => !isChoiceKind(q.kind)));
      const answers = questions.map((q) => {
        if (isChoiceKind(q.kind)) return { key: q.key, question: q.question, answer: choiceFromNotes(q, notes), verified: false };
        const picked = (byQuestion.get(q.key) ?? []).slice(0, 3);
        const known = fromFields(q.key, context);
        const answer = [known, ...picked].filter(Boolean).join(' ');
        return { key: q.key, question: q.question, answer, verified: false };
      });
      return { drafter: 'rule_based', answers };
    },
  };
}

/**
 * A playbook email by rules: the action's own description addressed to the primary contact, the
 * milestone's booking link offered when there is one, the customer portal in the first milestone's
 * emails, signed by the CSM. `{{variables}}` as written.
 */
export function composeActionEmailByRules(context: ActionEmailContext): { subject: string; body: string } {
  const body = [
    'Hi {{primary_contact_first_name}},',
    context.action.description.trim(),
    context.schedulingUrl && !context.action.description.includes('{{scheduling_link}}') ? 'Book a time that suits you: {{scheduling_link}}' : '',
    context.csm ? 'Best,\n{{csm_name}}' : '',
  ].filter(Boolean).join('\n\n');
  return { subject: `${context.action.label}: {{company_name}}`, body: withPortalLink(body, context.milestone.sequence) };
}
