/**
 * Writing CSV for spreadsheets. A cell a spreadsheet would read as a formula (=, +, -, @, tab, CR
 * first) gets a leading apostrophe (OWASP "CSV injection"), so an exported company named
 * `=HYPERLINK(...)` stays text. Numbers are written as they are: a negative number is not a formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The apostrophe an export added, taken off again so an exported file re-imports unchanged. */
export function unescapeFormula(text: string): string {
  return text.length > 1 && text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

export type CsvValue = string | number | null | undefined;

function quoteCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? String(value) : escapeFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (RFC 4180: CRLF, quotes doubled inside quoted cells). */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(quoteCell).join(',')}\r\n`;
}
