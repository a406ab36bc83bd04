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
  /** Calls and meetings: where the customer books a time (an https URL, e.g. a Calendly link). */
  schedulingUrl?: string;
  /** Information requests (`form`): what the customer fills in on the portal; none means one free-text answer. */
  fields?: FormField[];
}

/** The kinds of field an information request asks for on the customer portal. */
export const FORM_FIELD_KINDS = ['text', 'long_text', 'choice', 'file'] as const;
export type FormFieldKind = (typeof FORM_FIELD_KINDS)[number];

export interface FormField {
  /** Stable within the action: the answer's name (letters, digits, `_`). */
  key: string;
  label: string;
  kind: FormFieldKind;
  required?: boolean;
  help?: string;
  /** `choice`: the options offered, one of which is the answer. */
  options?: string[];
}

export interface TemplateMilestone {
  sequence: number;
  name: string;
  durationDays: number;
  actions: TemplateAction[];
}

/** The kinds whose actions carry a scheduling link. */
export const SCHEDULED_KINDS: readonly ActionKind[] = ['meeting'];

/** The kinds a playbook may send without a person's review. */
export const AUTO_SEND_KINDS: readonly ActionKind[] = ['email'];
