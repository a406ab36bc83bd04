/** Every kind of entry an account's timeline records (the column's values, the page's filter). */
export const TIMELINE_EVENT_TYPES = [
  'account_created', 'milestones_instantiated', 'handoff_drafted', 'email_sent', 'handoff_submitted',
  'csm_assigned', 'status_changed', 'milestone_started', 'milestone_completed', 'note',
  'task_created', 'task_completed', 'contact_added', 'email_failed',
  // The reconciler (workflows/reconcileAccounts.ts): a run that ended before its account did.
  'run_restarted', 'run_failed',
  // Health (issue 10): a CSM Pulse set, and a score that crossed into or out of a bad tier.
  'pulse_set', 'health_changed',
  // The playbook's actions (issue 12): each transition, with its actor.
  'action_changed',
  // Account editing (issue 14): the fields a person changed, each with its before and after.
  'account_edited',
  // A task's assignee or priority changed (issue 14).
  'task_updated',
] as const;
export type TimelineEventType = (typeof TIMELINE_EVENT_TYPES)[number];
