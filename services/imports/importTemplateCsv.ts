import { csvLine } from './csvCells.ts';
import { IMPORT_COLUMNS } from './importColumns.ts';

const EXAMPLE: Record<string, string | number> = {
  company_name: 'Initech', arr: 120000, close_date: '2026-11-01', primary_contact_name: 'Peter Gibbons',
  primary_contact_email: 'peter@initech.example', ae_email: 'ae@yourcompany.example', template_name: 'Standard SaaS Onboarding',
  primary_contact_role: 'VP Operations', industry: 'Software', company_size: '51-500', website: 'https://initech.example',
  notes: 'Signed after a 30-day pilot', raw_payload: 'Goal: replace spreadsheets. Risk: SSO rollout. Go-live by end of Q1.',
};

/** The downloadable starting point: every column an import reads, with one example account. */
export function importTemplateCsv(): string {
  return csvLine(IMPORT_COLUMNS.map((c) => c.name)) + csvLine(IMPORT_COLUMNS.map((c) => EXAMPLE[c.name] ?? ''));
}
