import { accountInputSchema, arrFromText, type AccountInput } from '../../domain/accountInput.ts';
import type { ImportRowError } from '../../db/schema/imports.ts';
import { unstorableTextProblem, withUnstorableMarked } from '../../domain/text.ts';
import { unescapeFormula } from './csvCells.ts';
import { columnLabel, IMPORT_COLUMNS, type HeaderMatch, type ImportField } from './importColumns.ts';
import type { CsvRecord } from './readCsvFile.ts';

export interface AccountRow {
  row: number;
  /** The body createAccount will receive (cells cleaned up, never re-validated differently). */
  input: Record<string, unknown> | null;
  /** Set when the row is valid: the same parse the API does. */
  account: AccountInput | null;
  errors: ImportRowError[];
}

/** A bare host (`acme.com`) is what spreadsheets hold; the schema wants an https URL. */
function websiteValue(cell: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(cell) ? cell : `https://${cell}`;
}

/**
 * The row's cells as an account body. A cell breaking the text rule (domain/text.ts: control
 * characters, which Postgres cannot store or which mean nothing in text) is refused with its column
 * named and kept, for the preview, with each refused character shown as "\uFFFD": the row fails, the file
 * goes on. Checked before trimming, which would quietly drop some of them.
 */
function cellsToInput(match: HeaderMatch, cells: string[]): { input: Record<string, unknown>; refused: Map<ImportField, string> } {
  const input: Record<string, unknown> = {};
  const refused = new Map<ImportField, string>();
  for (const [field, index] of match.indexByField) {
    const raw = cells[index] ?? '';
    const problem = unstorableTextProblem(raw);
    if (problem) {
      refused.set(field, problem);
      input[field] = withUnstorableMarked(raw.trim());
      continue;
    }
    const cell = unescapeFormula(raw.trim());
    // An empty optional cell means "not given", not "given as empty".
    if (!cell) continue;
    input[field] = field === 'arr' ? arrFromText(cell) : field === 'website' ? websiteValue(cell) : cell;
  }
  return { input, refused };
}

/**
 * Turns records into account bodies and validates each with the API's own schema. Template names
 * are matched case-insensitively and replaced by the stored spelling, which createAccount looks up.
 */
export function toAccountRows(match: HeaderMatch, headerCount: number, records: CsvRecord[], templateNames: string[]): AccountRow[] {
  const templates = new Map(templateNames.map((name) => [name.trim().toLowerCase(), name]));
  const templateColumn = columnLabel(match, 'templateName');
  return records.map(({ row, cells }): AccountRow => {
    if (cells.length !== headerCount) {
      return {
        row, input: null, account: null,
        errors: [{ column: '(row)', message: `has ${cells.length} cell${cells.length === 1 ? '' : 's'} but the header has ${headerCount}: check for an unquoted comma or a missing cell` }],
      };
    }
    const { input, refused } = cellsToInput(match, cells);
    const errors: ImportRowError[] = [...refused].map(([field, message]) => ({ column: columnLabel(match, field), message }));
    const templateName = typeof input.templateName === 'string' ? input.templateName : undefined;
    // A refused template cell is reported already; looking it up would only add noise.
    if (!refused.has('templateName')) {
      if (!templateName) {
        errors.push({ column: templateColumn, message: 'a template is required' });
      } else {
        const stored = templates.get(templateName.toLowerCase());
        if (stored) input.templateName = stored;
        else errors.push({ column: templateColumn, message: `no template named "${templateName}" in this organisation (templates: ${templateNames.join(', ') || 'none'})` });
      }
    }
    const empty = new Set<string>();
    for (const spec of IMPORT_COLUMNS) {
      if (spec.required && spec.field !== 'templateName' && input[spec.field] === undefined) {
        empty.add(spec.field);
        errors.push({ column: columnLabel(match, spec.field), message: 'is empty; it is required' });
      }
    }
    const parsed = accountInputSchema.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        if (!empty.has(field) && !refused.has(field as ImportField)) errors.push({ column: columnLabel(match, field as ImportField), message: issue.message });
      }
    }
    errors.sort((a, b) => order(match, a.column) - order(match, b.column));
    return { row, input, account: parsed.success && !errors.length ? parsed.data : null, errors };
  });
}

/** Errors listed left to right, as the columns appear in the file. */
function order(match: HeaderMatch, column: string): number {
  for (const [field, header] of match.headerByField) if (header === column) return match.indexByField.get(field) ?? 0;
  return Number.MAX_SAFE_INTEGER;
}
