import { withPortalLink } from '../../domain/actions.ts';
import { isChoiceKind, type HandoffQuestion } from '../../domain/handoffQuestions.ts';
import type { ActionEmailContext, DraftingContext, HandoffDraft, HandoffDrafter } from './drafter.ts';

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n+/).map((s) => s.replace(/^[-*•\s]+/, '').trim()).filter(Boolean);
}

function matching(all: string[], cues: string[]): string[] {
  return all.filter((s) => {
    const lower = ` ${s.toLowerCase()}`;
    return cues.some((cue) => lower.includes(cue));
  });
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
  const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
  for (let at = text.indexOf(phrase); at !== -1; at = text.indexOf(phrase, at + 1)) {
    if (!isWordChar(text[at - 1]) && !isWordChar(text[at + phrase.length])) return true;
  }
  return false;
}

/**
 * Drafts answers by picking the sentences of the CRM notes that mention each question's cues.
 * Every answer is marked unverified: it is a starting point for the AE, not a claim.
 */
export function createRuleBasedDrafter(): HandoffDrafter {
  return {
    draft: async function draftByRules(context: DraftingContext, questions: HandoffQuestion[]): Promise<HandoffDraft> {
      const notes = sentences([context.rawPayload, context.notes].filter(Boolean).join('\n'));
      const answers = questions.map((q) => {
        if (isChoiceKind(q.kind)) return { key: q.key, question: q.question, answer: choiceFromNotes(q, notes), verified: false };
        const picked = matching(notes, q.cues ?? []).slice(0, 3);
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
