/** How numbers read on every page and email: US English, whole dollars, grouped digits. */
const grouped = new Intl.NumberFormat('en-US');

export const count = (n: number): string => grouped.format(n);

export const dollars = (n: number): string => `$${grouped.format(n)}`;

/** "1 account", "2 accounts", "1,204 rows". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${grouped.format(n)} ${n === 1 ? one : many}`;
