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

/**
 * The drafting provider: the handoff's Q&A, and — when it can — a playbook email (the rule-based
 * drafter cannot: its emails are composed by the activity from the action's own description).
 */
export interface HandoffDrafter extends Partial<ActionEmailDrafter> {
  draft(context: DraftingContext, questions: HandoffQuestion[]): Promise<HandoffDraft>;
}

/** What a playbook email is drafted from: the account, its handoff Q&A, the milestone and the action. */
export interface ActionEmailContext {
  account: Pick<DraftingContext, 'companyName' | 'arr' | 'primaryContactName' | 'primaryContactRole' | 'industry' | 'companySize' | 'website'>;
  /** The handoff's answers the AE gave (or the drafter proposed); empty ones left out. */
  handoff: { question: string; answer: string }[];
  milestone: { sequence: number; name: string; durationDays: number; actions: { kind: string; label: string; description: string }[] };
  action: { label: string; description: string };
  csm: { name: string; email: string } | null;
  /** The milestone's meeting booking link, when it has one: the email offers it as {{scheduling_link}}. */
  schedulingUrl: string | null;
}

/** Subject and plain-text body, `{{variables}}` as written (filled at send), and who drafted it (`openai:<model>`). */
export interface DraftedActionEmail { subject: string; body: string; drafter: string }

export interface ActionEmailDrafter {
  draftActionEmail(context: ActionEmailContext): Promise<DraftedActionEmail>;
}
