import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { unstorableTextProblem } from '../../domain/text.ts';
import { RelayError } from '../errors.ts';

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 10_000;
/** Room for the largest account (100k raw payload + 20k notes + the rest) and no more. */
export const MAX_RECORD_CHARS = 200_000;

/** The file as a whole cannot be imported (400, or 413 when too big); the message says why and what to do. */
export function importFileError(problem: 'invalid' | 'too_large', message: string): RelayError {
  return new RelayError(problem === 'too_large' ? 'payload_too_large' : 'validation', message);
}

export interface CsvRecord {
  /** Spreadsheet row number: the header is row 1, so the first data row is 2. */
  row: number;
  cells: string[];
}

export interface CsvFile {
  sha256: string;
  headers: string[];
  records: CsvRecord[];
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) ? 1 : 0)} MB`;

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // fatal: a Latin-1 or Windows-1252 export must be refused, not read as mojibake; the BOM is dropped.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw importFileError('invalid', 'The file is not UTF-8 text (it looks like Latin-1/Windows-1252 or a binary file). In Excel choose "Save As → CSV UTF-8", in Google Sheets "Download → CSV", then upload again.');
  }
}

function describeCsvError(error: CsvError, nextRow: number): string {
  switch (error.code) {
    case 'CSV_MAX_RECORD_SIZE':
      return `Row ${nextRow} is longer than ${MAX_RECORD_CHARS.toLocaleString('en-US')} characters. A cell that large is usually a quote that is never closed; otherwise shorten the cell.`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return `A quoted cell starting in row ${nextRow} is never closed: add the closing " and upload again.`;
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return `Row ${nextRow} has a stray quote character: a cell containing " must be wrapped in quotes with the inner quote doubled ("").`;
    default:
      return `The file could not be read as CSV near row ${nextRow}: ${error.message}`;
  }
}

/**
 * Reads an uploaded CSV: size and encoding checks first, then csv-parse as a stream so a bad record
 * stops the read where it is. Rows with the wrong number of cells are kept (and reported per row by
 * the caller); blank lines keep their row number so numbers match what a spreadsheet shows.
 */
export async function readCsvFile(bytes: Uint8Array): Promise<CsvFile> {
  if (bytes.byteLength === 0) throw importFileError('invalid', 'The file is empty: upload a CSV with a header row and at least one account.');
  if (bytes.byteLength > MAX_IMPORT_BYTES) {
    throw importFileError('too_large', `The file is ${megabytes(bytes.byteLength)}; the limit is ${megabytes(MAX_IMPORT_BYTES)}. Split it into smaller files.`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const text = decodeUtf8(bytes);

  const parser = parse({ bom: true, relax_column_count: true, max_record_size: MAX_RECORD_CHARS });
  Readable.from([text]).pipe(parser);
  let headers: string[] | null = null;
  const records: CsvRecord[] = [];
  let row = 1;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (!headers) {
        headers = cells;
        continue;
      }
      row += 1;
      if (cells.every((cell) => cell.trim() === '')) continue;
      if (records.length === MAX_IMPORT_ROWS) {
        throw importFileError('too_large', `The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en-US')} accounts; the limit is ${MAX_IMPORT_ROWS.toLocaleString('en-US')} per upload. Split it into smaller files.`);
      }
      records.push({ row, cells });
    }
  } catch (error) {
    parser.destroy();
    if (error instanceof CsvError) throw importFileError('invalid', describeCsvError(error, row + 1));
    throw error;
  }
  if (!headers || headers.every((h) => h.trim() === '')) throw importFileError('invalid', 'The file has no header row: the first line must name the columns (download the template CSV for an example).');
  // Cells are checked one by one (a bad cell fails its row); a bad header is the file's problem: it is
  // what a UTF-16 ("Unicode text") export or a binary file looks like when read as UTF-8.
  const badHeader = headers.findIndex((h) => unstorableTextProblem(h) !== null);
  if (badHeader >= 0) {
    throw importFileError('invalid', `Column ${badHeader + 1} of the header row ${unstorableTextProblem(headers[badHeader]!)}. The file may be UTF-16 ("Unicode text") or not a CSV at all: in Excel choose "Save As → CSV UTF-8", in Google Sheets "Download → CSV", then upload again.`);
  }
  if (!records.length) throw importFileError('invalid', 'The file has a header row but no accounts below it.');
  return { sha256, headers, records };
}
