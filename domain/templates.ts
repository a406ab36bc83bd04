/** A template's shape, as the editor, the copies on accounts and the actions engine read it. */
export const ACTION_KINDS = ['email', 'task', 'form', 'meeting', 'document'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export interface TemplateAction {
  kind: ActionKind;
  label: string;
  description: string;
  trigger: { type: 'milestone_start'; delayHours: number } | { type: 'manual' };
  blocker: boolean;
  /** Emails: send without waiting for a person's review (default: wait). */
  autoSend?: boolean;
}

export interface TemplateMilestone {
  sequence: number;
  name: string;
  durationDays: number;
  actions: TemplateAction[];
}
