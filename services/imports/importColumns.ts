import type { AccountInput } from '../../domain/accountInput.ts';

export type ImportField = Exclude<keyof AccountInput, 'templateId'>;

interface ColumnSpec {
  field: ImportField;
  /** The SPEC §5 column name: what the template CSV and the export use. */
  name: string;
  required: boolean;
  /** Other headers people's spreadsheets use for it, compared after normaliseHeader. */
  aliases: string[];
}

/** Every column an import understands, in the order of the template CSV. */
export const IMPORT_COLUMNS: readonly ColumnSpec[] = [
  { field: 'companyName', name: 'company_name', required: true, aliases: ['company', 'company name', 'account', 'account name', 'organisation', 'organization'] },
  { field: 'arr', name: 'arr', required: true, aliases: ['revenue', 'annual revenue', 'annual recurring revenue', 'arr usd', 'amount', 'deal amount'] },
  { field: 'closeDate', name: 'close_date', required: true, aliases: ['close date', 'closedate', 'closed date', 'closed on'] },
  { field: 'primaryContactName', name: 'primary_contact_name', required: true, aliases: ['primary contact', 'primary contact name', 'contact name', 'contact'] },
  { field: 'primaryContactEmail', name: 'primary_contact_email', required: true, aliases: ['email', 'contact email', 'primary contact email', 'email address'] },
  { field: 'aeEmail', name: 'ae_email', required: false, aliases: ['ae', 'ae email', 'account executive', 'account executive email', 'deal owner', 'deal owner email'] },
  { field: 'templateName', name: 'template_name', required: true, aliases: ['template', 'template name', 'onboarding template'] },
  { field: 'primaryContactRole', name: 'primary_contact_role', required: false, aliases: ['role', 'contact role', 'primary contact role', 'title', 'job title'] },
  { field: 'industry', name: 'industry', required: false, aliases: ['vertical'] },
  { field: 'companySize', name: 'company_size', required: false, aliases: ['company size', 'size', 'employees'] },
  { field: 'website', name: 'website', required: false, aliases: ['url', 'web site', 'company website', 'homepage'] },
  { field: 'notes', name: 'notes', required: false, aliases: ['note'] },
  { field: 'rawPayload', name: 'raw_payload', required: false, aliases: ['raw payload', 'crm notes', 'deal notes', 'call notes', 'payload'] },
];

/** `  Company_Name ` → `company name`: case, spacing, underscores and dashes never matter. */
export function normaliseHeader(header: string): string {
  return header.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}

const FIELD_BY_HEADER = new Map<string, ColumnSpec>();
for (const spec of IMPORT_COLUMNS) {
  for (const header of [spec.name, spec.field, ...spec.aliases]) FIELD_BY_HEADER.set(normaliseHeader(header), spec);
}

export interface HeaderMatch {
  /** Account field → index of the column in each record. */
  indexByField: Map<ImportField, number>;
  /** Account field → the header exactly as the file spells it (errors name the column the user sees). */
  headerByField: Map<ImportField, string>;
  ignored: string[];
  /** Problems that make the whole file unusable (missing or repeated columns). */
  problems: string[];
}

export function matchHeaders(headers: string[]): HeaderMatch {
  const indexByField = new Map<ImportField, number>();
  const headerByField = new Map<ImportField, string>();
  const ignored: string[] = [];
  const problems: string[] = [];
  headers.forEach((raw, index) => {
    const header = raw.replace(/^\uFEFF/, '').trim();
    const spec = FIELD_BY_HEADER.get(normaliseHeader(header));
    if (!spec) {
      if (header) ignored.push(header);
      return;
    }
    const earlier = headerByField.get(spec.field);
    if (earlier !== undefined) {
      problems.push(`columns "${earlier}" and "${header}" both mean ${spec.name}; keep one of them`);
      return;
    }
    indexByField.set(spec.field, index);
    headerByField.set(spec.field, header);
  });
  const missing = IMPORT_COLUMNS.filter((s) => s.required && !indexByField.has(s.field));
  if (missing.length) {
    problems.unshift(`missing required column${missing.length > 1 ? 's' : ''}: ${missing.map((s) => s.name).join(', ')} (headers found: ${headers.map((h) => h.trim()).filter(Boolean).join(', ') || 'none'})`);
  }
  return { indexByField, headerByField, ignored, problems };
}

/** The column a field came from, for error messages; SPEC's name when the file has no such column. */
export function columnLabel(match: Pick<HeaderMatch, 'headerByField'>, field: string): string {
  return match.headerByField.get(field as ImportField) ?? IMPORT_COLUMNS.find((s) => s.field === field)?.name ?? field;
}
