// Pure rules of the account lifecycle. Imported by the workflow (so: no side effects, no Node APIs).
// The one list of statuses: the workflow, the database column, the API's schemas and the pages read it.
export const LIFECYCLE_STATUSES = ['pending_handoff', 'active', 'at_risk', 'completed', 'churned'] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];

/** Where a CSM may move an account by hand. pending_handoff → active happens only through the handoff. */
const MANUAL_TRANSITIONS: Record<LifecycleStatus, readonly LifecycleStatus[]> = {
  pending_handoff: ['churned'],
  active: ['at_risk', 'completed', 'churned'],
  at_risk: ['active', 'completed', 'churned'],
  completed: [],
  churned: [],
};

export function isTerminal(status: LifecycleStatus): boolean {
  return MANUAL_TRANSITIONS[status].length === 0;
}

/** Why a manual status change is refused, or null when it is allowed. */
export function manualTransitionError(from: LifecycleStatus, to: LifecycleStatus): string | null {
  if (from === to) return `the account is already ${to}`;
  if (MANUAL_TRANSITIONS[from].includes(to)) return null;
  if (from === 'pending_handoff' && to === 'active') return 'an account becomes active when the AE submits the handoff';
  if (isTerminal(from)) return `the account is ${from}; its lifecycle has ended`;
  return `cannot move an account from ${from} to ${to}`;
}

/** Milestones can be worked only while onboarding is under way. */
export function canWorkMilestones(status: LifecycleStatus): boolean {
  return status === 'active' || status === 'at_risk';
}
