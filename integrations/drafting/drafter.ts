import type { HandoffDrafterName, HandoffQuestion } from '../../domain/handoffQuestions.ts';

export interface DraftingContext {
  companyName: string;
  arr: number;
  closeDate: string;
  primaryContactName: string;
  primaryContactEmail: string;
  primaryContactRole: string | null;
  industry: string | null;
  companySize: string | null;
  website: string | null;
  notes: string | null;
  aeEmail: string | null;
  rawPayload: string | null;
}

export interface DraftedAnswer { key: string; question: string; answer: string; verified: boolean }

export interface HandoffDraft {
  drafter: HandoffDrafterName;
  answers: DraftedAnswer[];
}

export interface HandoffDrafter {
  draft(context: DraftingContext, questions: HandoffQuestion[]): Promise<HandoffDraft>;
}
