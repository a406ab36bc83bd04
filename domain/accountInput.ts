import { z } from 'zod';
import { storableString, storableText } from './text.ts';

export const COMPANY_SIZES = ['1-50', '51-500', '501-5000', '5000+'] as const;

/** The words forms and error summaries use for an account's fields, in the create form's order. */
export const ACCOUNT_FIELD_LABELS = {
  companyName: 'Company name',
  arr: 'ARR',
  closeDate: 'Close date',
  primaryContactName: 'Primary contact name',
  primaryContactEmail: 'Primary contact email',
  primaryContactRole: 'Primary contact role',
  industry: 'Industry',
  companySize: 'Company size',
  website: 'Website',
  aeEmail: 'AE email',
  templateId: 'Onboarding template',
  notes: 'Notes',
  rawPayload: 'Deal notes for drafting',
} as const;

const optionalText = (max: number) =>
  storableString().trim().max(max).optional().transform((v) => (v ? v : undefined));

/** A missing field says "required"; a field of the wrong type says what it should be. */
const requiredOr = (label: string, expected: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `${label} is required` : `${label} must be ${expected}`),
});

function isRealDate(value: string): boolean {
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** The dates Relay takes (close dates, due dates): a typo such as year 0 or 20266 is refused, not stored. */
export const DATE_RANGE = { from: '1970-01-01', to: '2100-12-31' } as const;

/** A YYYY-MM-DD string within DATE_RANGE (same-length ISO dates compare as strings). */
export const isDateInRange = (value: string): boolean => value >= DATE_RANGE.from && value <= DATE_RANGE.to;

/** A real calendar date, YYYY-MM-DD, within DATE_RANGE: for every date field outside this schema. */
export const isSaneDate = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value) && isRealDate(value) && isDateInRange(value);

function closeDateProblem(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'close date must be YYYY-MM-DD';
  if (!isRealDate(value)) return 'close date is not a real calendar date';
  if (!isDateInRange(value)) return `close date must be between ${DATE_RANGE.from} and ${DATE_RANGE.to}`;
  return null;
}

const templateRefShape = { templateName: optionalText(200), templateId: optionalText(100) };

/** Which template a new account names, read on its own: an unknown one is reported beside the body's other errors. */
export const templateRefSchema = z.object(templateRefShape);

/**
 * The one description of a new account, shared by the API, the form and (later) CSV rows and
 * connectors, so every path rejects the same things with the same field names.
 */
export const accountInputSchema = z.object({
  companyName: storableString(requiredOr('company name', 'text')).trim().min(1, 'company name is required').max(200),
  // One rule on every path (API, form, CSV, connectors): a number, or text as people write it ("$48,000").
  arr: z.preprocess((value) => (typeof value === 'string' ? arrFromText(value) : value), z.number(requiredOr('ARR', 'a whole number of dollars'))
    .int('ARR must be a whole number of dollars')
    .positive('ARR must be greater than 0')
    .max(1e12, 'ARR is implausibly large')),
  // One message per bad date: the first rule it breaks (a shape error makes the others moot).
  closeDate: z.string(requiredOr('close date', 'a YYYY-MM-DD date')).superRefine((value, ctx) => {
    const problem = closeDateProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  primaryContactName: storableString(requiredOr('primary contact name', 'text')).trim().min(1, 'primary contact name is required').max(200),
  primaryContactEmail: z.string(requiredOr('primary contact email', 'an email address')).trim().toLowerCase().pipe(z.email('primary contact email is not a valid email')),
  primaryContactRole: optionalText(200),
  industry: optionalText(120),
  companySize: z.enum(COMPANY_SIZES, { error: `company size must be one of ${COMPANY_SIZES.join(', ')}` }).optional(),
  // z.url() alone would take a NUL in the path.
  website: z.url({ protocol: /^https$/, error: 'website must be an https URL' }).max(500).superRefine(storableText).optional(),
  notes: optionalText(20_000),
  aeEmail: z.string().trim().toLowerCase().pipe(z.email('AE email is not a valid email')).optional(),
  ...templateRefShape,
  rawPayload: optionalText(100_000),
}).strict();

export type AccountInput = z.infer<typeof accountInputSchema>;

/**
 * ARR as people type it into a form or a spreadsheet ("$120,000", "120 000", "USD 120000") as the
 * number the schema wants; anything else stays text, so the schema names the problem.
 */
export function arrFromText(text: string): number | string {
  const compact = text.replace(/[\s$,_]/g, '').replace(/^usd/i, '');
  return /^-?\d+(\.\d+)?$/.test(compact) ? Number(compact) : text;
}

export interface FieldError { field: string; message: string }

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(body)'),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}
