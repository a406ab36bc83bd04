import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ACCOUNT_FIELD_LABELS, accountInputSchema, COMPANY_SIZES } from './accountInput.ts';
import { domainOfWebsiteOrHost, isPublicMailDomain } from './companyDomains.ts';
import { storableString } from './text.ts';

// Editing an account after it was created (issue 14): which fields a person may change, the rules a
// change obeys (the create schema's, field by field), and each change in words for the timeline.

/** The fields an edit may change, in the form's order, with the words the form and the timeline use. */
export const ACCOUNT_EDIT_LABELS = {
  companyName: ACCOUNT_FIELD_LABELS.companyName,
  arr: ACCOUNT_FIELD_LABELS.arr,
  closeDate: ACCOUNT_FIELD_LABELS.closeDate,
  primaryContactName: ACCOUNT_FIELD_LABELS.primaryContactName,
  primaryContactEmail: ACCOUNT_FIELD_LABELS.primaryContactEmail,
  primaryContactRole: ACCOUNT_FIELD_LABELS.primaryContactRole,
  industry: ACCOUNT_FIELD_LABELS.industry,
  companySize: ACCOUNT_FIELD_LABELS.companySize,
  primaryDomain: 'Primary domain',
  secondaryDomains: 'Other domains',
  notes: ACCOUNT_FIELD_LABELS.notes,
} as const;

export type EditableAccountField = keyof typeof ACCOUNT_EDIT_LABELS;

/** An account's editable fields as stored: what an edit starts from and what its version hashes. */
export interface EditableAccount {
  companyName: string;
  arr: number;
  closeDate: string;
  primaryContactName: string;
  primaryContactEmail: string;
  primaryContactRole: string | null;
  industry: string | null;
  companySize: (typeof COMPANY_SIZES)[number] | null;
  notes: string | null;
  primaryDomain: string | null;
  /** Sorted, never holding the primary. */
  secondaryDomains: string[];
}

/** The editable fields of an account's row and its domains (the account_domains rows), as an edit reads them. */
export function editableAccountOf(
  row: Omit<EditableAccount, 'primaryDomain' | 'secondaryDomains'>, domains: readonly { domain: string; isPrimary: boolean }[],
): EditableAccount {
  return {
    companyName: row.companyName, arr: row.arr, closeDate: row.closeDate,
    primaryContactName: row.primaryContactName, primaryContactEmail: row.primaryContactEmail,
    primaryContactRole: row.primaryContactRole, industry: row.industry, companySize: row.companySize, notes: row.notes,
    primaryDomain: domains.find((d) => d.isPrimary)?.domain ?? null,
    secondaryDomains: domains.filter((d) => !d.isPrimary).map((d) => d.domain).sort(),
  };
}

export const MAX_SECONDARY_DOMAINS = 20;

/** null reads as "" (clear it): one schema judges a JSON null and an emptied form field alike. */
const nullAsEmpty = (value: unknown) => (value === null ? '' : value);

/** Text one may clear: "" or null stores nothing. */
const clearableText = (max: number, label: string) => z.preprocess(nullAsEmpty,
  storableString({ error: `${label} must be text or null` }).trim().max(max, `${label} is at most ${max.toLocaleString('en-US')} characters`))
  .transform((v) => v || null);

/**
 * A domain as people write it (`acme.com`, `www.acme.com`, `https://acme.com/about`), normalised;
 * never a public mail provider's. "" (and null, where allowed) is no domain.
 */
const companyDomain = (label: string) => storableString({ error: `${label} must be a domain such as acme.com` }).transform((raw, ctx): string | null => {
  if (!raw.trim()) return null;
  const domain = domainOfWebsiteOrHost(raw);
  if (!domain) {
    ctx.addIssue({ code: 'custom', message: `${label} "${raw.trim().slice(0, 100)}" is not a domain such as acme.com` });
    return z.NEVER;
  }
  if (isPublicMailDomain(domain)) {
    ctx.addIssue({ code: 'custom', message: `${domain} is a public mail provider: it identifies no company` });
    return z.NEVER;
  }
  return domain;
});

const shape = accountInputSchema.shape;

/**
 * A partial edit, as the API's PATCH body and the dashboard's form send it: every field optional,
 * each judged by the create schema's own rule (ARR as a number or as people write it, "$48,000"),
 * unknown fields refused, every bad field named in one answer.
 * - Optional text (role, industry, notes) and company size: null or "" clears it.
 * - `primaryDomain` replaces the primary domain (null: the account has none); the old one is released
 *   unless `secondaryDomains` lists it. `secondaryDomains` replaces the whole list.
 */
export const accountEditSchema = z.strictObject({
  companyName: shape.companyName.optional(),
  arr: shape.arr.optional(),
  closeDate: shape.closeDate.optional(),
  primaryContactName: shape.primaryContactName.optional(),
  primaryContactEmail: shape.primaryContactEmail.optional(),
  primaryContactRole: clearableText(200, 'primary contact role').optional(),
  industry: clearableText(120, 'industry').optional(),
  companySize: z.preprocess(nullAsEmpty, z.enum([...COMPANY_SIZES, ''], { error: `company size must be one of ${COMPANY_SIZES.join(', ')}, or null` }))
    .transform((v) => v || null).optional(),
  notes: clearableText(20_000, 'notes').optional(),
  primaryDomain: z.preprocess(nullAsEmpty, companyDomain('primary domain')).optional(),
  secondaryDomains: z.array(companyDomain('domain'), { error: 'secondaryDomains must be a list of domains' })
    .max(MAX_SECONDARY_DOMAINS, `at most ${MAX_SECONDARY_DOMAINS} other domains`)
    .transform((list) => list.filter((d): d is string => d !== null)).optional(),
}).refine((edit) => Object.values(edit).some((v) => v !== undefined), { message: 'send at least one field to change', path: [] });

export type AccountEdit = z.infer<typeof accountEditSchema>;

/** The account as the edit leaves it, or the fields the edit cannot apply to this account. */
export function applyAccountEdit(current: EditableAccount, edit: AccountEdit):
  { ok: true; account: EditableAccount } | { ok: false; fields: { field: string; message: string }[] } {
  const primaryDomain = edit.primaryDomain === undefined ? current.primaryDomain : edit.primaryDomain;
  let secondary = edit.secondaryDomains ?? current.secondaryDomains;
  // A domain promoted to primary leaves the secondary list (it is one claim, not two).
  secondary = [...new Set(secondary)].filter((d) => d !== primaryDomain).sort();
  if (!primaryDomain && secondary.length) {
    return { ok: false, fields: [{ field: edit.secondaryDomains ? 'secondaryDomains' : 'primaryDomain', message: 'an account with other domains needs a primary domain' }] };
  }
  const pick = <K extends keyof EditableAccount>(key: K): EditableAccount[K] => {
    const value = (edit as Partial<EditableAccount>)[key];
    return value === undefined ? current[key] : value;
  };
  return {
    ok: true,
    account: {
      companyName: pick('companyName'), arr: pick('arr'), closeDate: pick('closeDate'),
      primaryContactName: pick('primaryContactName'), primaryContactEmail: pick('primaryContactEmail'),
      primaryContactRole: pick('primaryContactRole'), industry: pick('industry'), companySize: pick('companySize'),
      notes: pick('notes'), primaryDomain, secondaryDomains: secondary,
    },
  };
}

/** Every domain of the account, the primary first. */
export const domainsOf = (account: Pick<EditableAccount, 'primaryDomain' | 'secondaryDomains'>): string[] =>
  account.primaryDomain ? [account.primaryDomain, ...account.secondaryDomains] : [...account.secondaryDomains];

type FieldValue = EditableAccount[EditableAccountField];

/** One field an edit changed, as stored (the timeline keeps these, and says them in words). */
export interface AccountFieldChange { field: EditableAccountField; before: FieldValue; after: FieldValue }

const sameValue = (a: FieldValue, b: FieldValue): boolean =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b;

/** The fields whose values differ, in the form's order. */
export function accountChanges(before: EditableAccount, after: EditableAccount): AccountFieldChange[] {
  return (Object.keys(ACCOUNT_EDIT_LABELS) as EditableAccountField[])
    .filter((field) => !sameValue(before[field], after[field]))
    .map((field) => ({ field, before: before[field], after: after[field] }));
}

/**
 * A short token that changes whenever an editable field or domain does (and only then): what the
 * form carries and `If-Match` sends, so an edit made on a stale view is refused, not applied over
 * someone else's. A status or CSM change does not touch it: those are not what the editor saw.
 */
export function accountEditVersion(account: EditableAccount): string {
  const fields = (Object.keys(ACCOUNT_EDIT_LABELS) as EditableAccountField[]).map((f) => account[f]);
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url').slice(0, 22);
}

// ---- in words -------------------------------------------------------------------------------------

const grouped = new Intl.NumberFormat('en-US');
const EXCERPT = 80;

function valueInWords(field: EditableAccountField, value: FieldValue): string {
  if (value === null || value === '' || (Array.isArray(value) && !value.length)) return '(none)';
  if (Array.isArray(value)) return value.join(', ');
  if (field === 'arr' && typeof value === 'number') return `$${grouped.format(value)}`;
  if (field === 'companySize') return `${value} employees`;
  const text = String(value).replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text;
}

/** "ARR: $48,000 → $52,000". */
export function accountChangeInWords(change: AccountFieldChange): string {
  return `${ACCOUNT_EDIT_LABELS[change.field]}: ${valueInWords(change.field, change.before)} → ${valueInWords(change.field, change.after)}`;
}

const storedChange = z.object({
  field: z.enum(Object.keys(ACCOUNT_EDIT_LABELS) as [EditableAccountField, ...EditableAccountField[]]),
  before: z.union([z.string(), z.number(), z.null(), z.array(z.string())]),
  after: z.union([z.string(), z.number(), z.null(), z.array(z.string())]),
});

/** The changes an `account_edited` timeline entry stored, in words; null when its data is not such a list. */
export function accountEditLines(data: unknown): string[] | null {
  const parsed = z.object({ changes: z.array(storedChange).min(1) }).safeParse(data);
  return parsed.success ? parsed.data.changes.map((c) => accountChangeInWords(c as AccountFieldChange)) : null;
}
