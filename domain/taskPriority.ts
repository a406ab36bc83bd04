// A task's priority: the closed list the database column, the API's schemas and the pages share.

export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export const TASK_PRIORITY_LABELS: Record<TaskPriority, string> = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };

/** 0 for urgent up to 3 for low: ascending is most pressing first, the order "My tasks" lists a group's tasks in. */
export function priorityRank(priority: TaskPriority): number {
  return TASK_PRIORITIES.length - 1 - TASK_PRIORITIES.indexOf(priority);
}
