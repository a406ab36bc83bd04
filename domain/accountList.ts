/** How the accounts list can be ordered and paged: the API's parameters, the page's links and the query agree. */
export const ACCOUNT_SORTS = ['name', 'arr', 'status', 'lastActivity', 'created', 'progress'] as const;
export type AccountSort = (typeof ACCOUNT_SORTS)[number];
export type SortDirection = 'asc' | 'desc';
export const ACCOUNT_LIST_MAX_PAGE_SIZE = 100;

/** The direction a column sorts in when first clicked: names A→Z, lifecycle from the start, figures biggest first. */
export const DEFAULT_SORT_DIRECTION: Record<AccountSort, SortDirection> = {
  name: 'asc', status: 'asc', arr: 'desc', lastActivity: 'desc', created: 'desc', progress: 'desc',
};
