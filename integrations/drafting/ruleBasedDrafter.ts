import type { HandoffQuestion } from '../../domain/handoffQuestions.ts';
import type { DraftingContext, HandoffDraft, HandoffDrafter } from './drafter.ts';

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
 * Drafts answers by picking the sentences of the CRM notes that mention each question's cues.
 * Every answer is marked unverified: it is a starting point for the AE, not a claim.
 */
export function createRuleBasedDrafter(): HandoffDrafter {
  return {
    draft: async function draftByRules(context: DraftingContext, questions: HandoffQuestion[]): Promise<HandoffDraft> {
      const notes = sentences([context.rawPayload, context.notes].filter(Boolean).join('\n'));
      const answers = questions.map((q) => {
        const picked = matching(notes, q.cues).slice(0, 3);
        const known = fromFields(q.key, context);
        const answer = [known, ...picked].filter(Boolean).join(' ');
        return { key: q.key, question: q.question, answer, verified: false };
      });
      return { drafter: 'rule_based', answers };
    },
  };
}
