import type { getAccountDetail } from '../../../db/repositories/accounts.ts';

/** One account as the detail page's cards read it (the repository's own shape). */
export type AccountView = NonNullable<Awaited<ReturnType<typeof getAccountDetail>>>;

export const accountPath = (id: string, suffix = ''): string => `/accounts/${encodeURIComponent(id)}${suffix}`;
