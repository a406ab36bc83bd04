import { z } from 'zod';
import { accountInputSchema, arrFromText, type FieldError } from './accountInput.ts';
import type { SyncOutcome } from './connectors.ts';
import { storableText } from './text.ts';

// The Notion connector (issue 11): a database of closed deals, one row per customer, read through an
// internal integration. What an organisation connects, and the rules that turn a row into an account
// and write Relay's link and status back onto it. Pure: the API, the services and the activities share it.

/** A Notion ID as Notion prints it in URLs (32 hex digits), with or without its hyphens. */
const NOTION_ID = /([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})/i;

/**
 * The database (or data source) ID in what a person pastes: the bare ID, hyphenated or not, or the
 * database's URL (`https://www.notion.so/acme/Deals-1a2b…?v=…`: the view ID after `?v=` is not it).
 * Answers the hyphenated lowercase UUID, or null.
 */
export function notionIdOf(input: string): string | null {
  const trimmed = input.trim();
  let candidate = trimmed;
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      const url = new URL(trimmed);
      candidate = decodeURIComponent(url.pathname).split('/').filter(Boolean).at(-1) ?? '';
    } catch {
      return null;
    }
  }
  // The ID ends a URL's last path segment ("Deals-<id>"); a bare ID is the whole input.
  const match = new RegExp(`${NOTION_ID.source}$`, 'i').exec(candidate);
  if (!match || (candidate === trimmed && candidate.replaceAll('-', '').length !== 32)) return null;
  return match.slice(1, 6).join('-').toLowerCase();
}

/** The account fields a row can fill, each from the Notion property the organisation names. */
export const NOTION_MAPPED_FIELDS = ['companyName', 'arr', 'closeDate', 'primaryContactName', 'primaryContactEmail', 'aeEmail', 'website', 'notes'] as const;
export type NotionMappedField = (typeof NOTION_MAPPED_FIELDS)[number];

/** The property types each field can be read from (Notion's type names). */
export const NOTION_FIELD_TYPES: Record<NotionMappedField, readonly string[]> = {
  companyName: ['title', 'rich_text', 'select', 'formula'],
  arr: ['number', 'rich_text', 'formula', 'rollup'],
  closeDate: ['date', 'rich_text', 'formula'],
  primaryContactName: ['rich_text', 'title', 'people', 'formula'],
  primaryContactEmail: ['email', 'rich_text', 'people', 'formula'],
  aeEmail: ['people', 'email', 'rich_text', 'formula'],
  website: ['url', 'rich_text', 'formula'],
  notes: ['rich_text', 'title', 'formula'],
};

/** Property types a filter (`Stage = Closed Won`) or the template's property can name. */
export const NOTION_FILTER_TYPES = ['select', 'status', 'rich_text', 'title'] as const;
const NOTION_TEMPLATE_TYPES = ['select', 'status', 'rich_text'] as const;

/** Where Relay writes back, when the data source has a property of this name (any case). */
export const RELAY_LINK_PROPERTY = 'Relay link';
export const RELAY_STATUS_PROPERTY = 'Relay status';

const propertyName = (what: string) => z.string({ error: `${what} is required` }).trim().min(1, `${what} is required`).max(200).superRefine(storableText);
const optionalPropertyName = (what: string) => propertyName(what).optional();

/**
 * `PUT /api/connectors/notion`: an internal integration's token, the database (ID or URL), which
 * property holds each account field, an optional row filter, the template (fixed, or named by a
 * property of the row), and how often to poll.
 */
export const notionConnectionSchema = z.strictObject({
  token: z.string({ error: 'token is required' }).trim().min(8, 'token looks too short').max(500).superRefine(storableText),
  databaseId: z.string({ error: 'databaseId is required' }).trim().min(1, 'databaseId is required').max(1000)
    .refine((v) => notionIdOf(v) !== null, 'databaseId must be a Notion database ID (32 hex digits) or the database\'s URL'),
  mapping: z.strictObject({
    companyName: propertyName('the company name property'),
    arr: propertyName('the ARR property'),
    closeDate: propertyName('the close date property'),
    primaryContactName: propertyName('the primary contact name property'),
    primaryContactEmail: propertyName('the primary contact email property'),
    aeEmail: optionalPropertyName('the AE property'),
    website: optionalPropertyName('the website property'),
    notes: optionalPropertyName('the notes property'),
  }, { error: 'mapping is required: the Notion property for each account field' }),
  /** Only rows whose property equals this value (a select or status option, or text) become accounts. */
  filter: z.strictObject({
    property: propertyName('filter.property'),
    equals: z.string({ error: 'filter.equals is required' }).trim().min(1, 'filter.equals is required').max(200).superRefine(storableText),
  }).optional(),
  /** The template new accounts get; with `templateProperty`, the one a row's property does not name. */
  templateName: z.string({ error: 'templateName is required' }).trim().min(1, 'templateName is required').max(200).superRefine(storableText),
  /** A select (or status, or text) property whose value names the template, row by row. */
  templateProperty: optionalPropertyName('templateProperty'),
  /** How often the sync runs (minutes). */
  intervalMinutes: z.number().int('a whole number of minutes').min(1).max(1440).default(5),
});

export type NotionConnectionInput = z.infer<typeof notionConnectionSchema>;
export type NotionMapping = NotionConnectionInput['mapping'];

/** What a Notion connection keeps in the clear (never the token). */
export interface NotionSettings {
  databaseId: string;
  dataSourceId: string;
  /** The database's title when connected, for people. */
  databaseTitle: string;
  mapping: NotionMapping;
  filter: { property: string; equals: string } | null;
  templateName: string;
  templateProperty: string | null;
  intervalMinutes: number;
}

/** What a Notion connection keeps encrypted. */
export interface NotionSecrets { token: string }

/** A data source's columns as Relay needs them: each property's type, and its options for a select or status. */
export type NotionSchema = Record<string, { type: string; options: string[] }>;

/** A property of a row as Notion answers it (`{ type: 'number', number: 5 }`, `{ type: 'title', title: [...] }`). */
export type NotionPropertyValue = { type: string } & Record<string, unknown>;

/** A row as Relay reads it. */
export interface NotionRow {
  id: string;
  url: string;
  lastEditedTime: string;
  properties: Record<string, NotionPropertyValue>;
}

/** Finds a property by name as people type it: exactly, else ignoring case and surrounding spaces. */
export function findProperty<T>(properties: Record<string, T>, name: string): [string, T] | null {
  if (Object.hasOwn(properties, name)) return [name, properties[name]!];
  const wanted = name.trim().toLowerCase();
  const found = Object.entries(properties).find(([key]) => key.trim().toLowerCase() === wanted);
  return found ?? null;
}

/**
 * The connection's settings checked against the data source's columns: every mapped property is
 * there with a type Relay can read, the filter names a select/status option that exists, the
 * template property is a select, status or text. Each problem names the request field.
 */
export function notionSettingsProblems(input: Pick<NotionConnectionInput, 'mapping' | 'filter' | 'templateProperty'>, schema: NotionSchema): FieldError[] {
  const problems: FieldError[] = [];
  const columns = Object.keys(schema).map((n) => `"${n}"`).join(', ');
  const check = (field: string, name: string, types: readonly string[]) => {
    const found = findProperty(schema, name);
    if (!found) {
      problems.push({ field, message: `the data source has no property "${name}" (it has ${columns})` });
      return null;
    }
    if (!types.includes(found[1].type)) {
      problems.push({ field, message: `"${found[0]}" is a ${found[1].type} property; Relay reads this field from ${types.join(', ')}` });
      return null;
    }
    return found[1];
  };
  for (const field of NOTION_MAPPED_FIELDS) {
    const name = input.mapping[field];
    if (name !== undefined) check(`mapping.${field}`, name, NOTION_FIELD_TYPES[field]);
  }
  if (input.filter) {
    const column = check('filter.property', input.filter.property, NOTION_FILTER_TYPES);
    if (column && (column.type === 'select' || column.type === 'status') && !column.options.includes(input.filter.equals)) {
      problems.push({ field: 'filter.equals', message: `"${input.filter.property}" has no option "${input.filter.equals}" (it has ${column.options.map((o) => `"${o}"`).join(', ') || 'none'})` });
    }
  }
  if (input.templateProperty) check('templateProperty', input.templateProperty, NOTION_TEMPLATE_TYPES);
  return problems;
}

/** Why a row could not become an account: the Notion property at fault and the reason, in words an admin acts on. */
export class NotRowMappable extends Error {
  override name = 'NotRowMappable';
  constructor(readonly property: string, readonly reason: string) {
    super(`"${property}" ${reason}`);
  }
}

const record = (value: unknown): Record<string, unknown> | null => (value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : null);
const plainText = (items: unknown): string => (Array.isArray(items) ? items.map((t) => String(record(t)?.plain_text ?? '')).join('') : '');
const present = (text: string | null | undefined): string | null => (text === null || text === undefined || text.trim() === '' ? null : text.trim());

interface Person { name: string | null; email: string | null }
function peopleOf(value: NotionPropertyValue): Person[] {
  const list = Array.isArray(value.people) ? value.people : [];
  return list.map((p) => {
    const person = record(p) ?? {};
    return { name: present(typeof person.name === 'string' ? person.name : null), email: present(typeof record(person.person)?.email === 'string' ? String(record(person.person)!.email) : null) };
  });
}

type Scalar = string | number | null;
/** The value of a property as text or a number: what every reader below starts from. */
function scalarOf(value: NotionPropertyValue): Scalar {
  const inner = value[value.type];
  switch (value.type) {
    case 'title': case 'rich_text': return present(plainText(inner));
    case 'number': return typeof inner === 'number' ? inner : null;
    case 'email': case 'url': case 'phone_number': return present(typeof inner === 'string' ? inner : null);
    case 'select': case 'status': return present(typeof record(inner)?.name === 'string' ? String(record(inner)!.name) : null);
    case 'date': return present(typeof record(inner)?.start === 'string' ? String(record(inner)!.start) : null);
    case 'people': return present(peopleOf(value).map((p) => p.name ?? p.email).filter(Boolean).join(', '));
    case 'formula': {
      const f = record(inner);
      if (!f || typeof f.type !== 'string') return null;
      if (f.type === 'date') return present(typeof record(f.date)?.start === 'string' ? String(record(f.date)!.start) : null);
      const v = f[f.type];
      return typeof v === 'number' ? v : typeof v === 'string' ? present(v) : typeof v === 'boolean' ? String(v) : null;
    }
    case 'rollup': {
      const r = record(inner);
      return r?.type === 'number' && typeof r.number === 'number' ? r.number : null;
    }
    default: return null;
  }
}

/** The value as text, for the filter's and the template's comparisons and for write-back checks. */
export function notionText(value: NotionPropertyValue | undefined): string | null {
  if (!value) return null;
  const v = scalarOf(value);
  return v === null ? null : String(v);
}

/** Settings the mapping reads. */
export type NotionRowSettings = Pick<NotionSettings, 'mapping' | 'templateName' | 'templateProperty'>;

const ACCOUNT_FIELD_LABELS: Record<string, string> = {
  companyName: 'the company name', arr: 'ARR', closeDate: 'the close date', primaryContactName: 'the primary contact\'s name',
  primaryContactEmail: 'the primary contact\'s email', aeEmail: 'the AE\'s email', website: 'the website', notes: 'notes',
};

/**
 * A row as an account body (what POST /api/accounts takes): each field read from its property, in
 * whichever of the supported types the property has; ARR typed as text is read as people write it
 * ("$48,000"); a website without a scheme gets https. A row that cannot make a valid account throws
 * NotRowMappable naming the Notion property and why (ARR is not a number, the contact email is
 * empty…), checked against the same schema every other way in uses. Whether the template exists
 * is the caller's to find out.
 */
export function accountFromNotionRow(row: Pick<NotionRow, 'id' | 'url' | 'properties'>, settings: NotionRowSettings): Record<string, unknown> {
  const { mapping } = settings;
  const column = (field: NotionMappedField): { name: string; value: NotionPropertyValue } | null => {
    const name = mapping[field];
    if (name === undefined) return null;
    const found = findProperty(row.properties, name);
    if (!found) throw new NotRowMappable(name, `is not a property of the row any more (renamed or removed in Notion?); Relay reads ${ACCOUNT_FIELD_LABELS[field]} from it`);
    return { name: found[0], value: found[1] };
  };
  const required = (field: NotionMappedField) => {
    const c = column(field)!;
    const value = scalarOf(c.value);
    if (value === null) throw new NotRowMappable(c.name, `is empty (Relay needs ${ACCOUNT_FIELD_LABELS[field]} from it)`);
    return { ...c, value };
  };
  const email = (c: { value: NotionPropertyValue }): string | null =>
    (c.value.type === 'people' ? peopleOf(c.value).find((p) => p.email)?.email ?? null : notionText(c.value));

  const company = required('companyName');
  const arrColumn = required('arr');
  const arr = typeof arrColumn.value === 'number' ? arrColumn.value : arrFromText(arrColumn.value);
  if (typeof arr !== 'number' || !Number.isFinite(arr)) throw new NotRowMappable(arrColumn.name, `is not a number ("${String(arrColumn.value).slice(0, 80)}"); Relay needs ARR in whole dollars`);
  const close = required('closeDate');
  const closeDate = String(close.value).slice(0, 10);

  const contactEmailColumn = column('primaryContactEmail')!;
  const contactEmail = email(contactEmailColumn);
  if (!contactEmail) {
    throw new NotRowMappable(contactEmailColumn.name, contactEmailColumn.value.type === 'people' && peopleOf(contactEmailColumn.value).length
      ? 'names a person whose email Notion does not share with the integration (give it "Read user information including email addresses")'
      : 'is empty (Relay needs the primary contact\'s email)');
  }
  const contactNameColumn = column('primaryContactName')!;
  const contactName = contactNameColumn.value.type === 'people' ? peopleOf(contactNameColumn.value)[0]?.name ?? null : notionText(contactNameColumn.value);

  const ae = column('aeEmail');
  const aeEmail = ae ? email(ae) : null;
  const site = column('website');
  const siteText = site ? notionText(site.value) : null;
  const website = siteText ? (/^https?:\/\//i.test(siteText) ? siteText.replace(/^http:/i, 'https:') : `https://${siteText}`) : null;
  const notesColumn = column('notes');
  const notes = notesColumn ? notionText(notesColumn.value) : null;

  let templateName = settings.templateName;
  if (settings.templateProperty) {
    const found = findProperty(row.properties, settings.templateProperty);
    const named = found ? notionText(found[1]) : null;
    if (named) templateName = named;
  }

  const title = String(company.value);
  const body: Record<string, unknown> = {
    companyName: title,
    arr: Math.round(arr),
    closeDate,
    primaryContactName: contactName ?? contactEmail,
    primaryContactEmail: contactEmail,
    ...(aeEmail ? { aeEmail } : {}),
    ...(website ? { website } : {}),
    ...(notes ? { notes } : {}),
    templateName,
    rawPayload: [notes ? `Deal notes: ${notes}` : '', `Notion row: ${title} (${row.url})`].filter(Boolean).join('\n'),
  };

  // The same rules as every other way in, each failure named by the property it came from.
  const parsed = accountInputSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    const property = (NOTION_MAPPED_FIELDS as readonly string[]).includes(field) ? mapping[field as NotionMappedField] : field === 'templateName' ? settings.templateProperty : null;
    const shown = field === 'arr' || field === 'closeDate' ? ` ("${String(body[field])}")` : '';
    throw new NotRowMappable(property ?? field, `does not make a valid account: ${issue.message}${shown}`);
  }
  return body;
}

/** What Relay writes back after a row: the account's link (when it has one) and what became of the row. */
export interface NotionWriteBack { outcome: SyncOutcome; accountUrl: string | null; reason: string | null }

const STATUS_LABELS: Record<SyncOutcome, string> = { created: 'Created', linked: 'Linked', skipped: 'Skipped', failed: 'Needs attention' };

/** Rich text as pages.update takes it: Notion caps one text item at 2,000 characters. */
const richTextOf = (text: string, link: string | null = null) => [{ type: 'text', text: { content: text.slice(0, 2000), link: link ? { url: link } : null } }];

/**
 * The properties to send in pages.update so the row shows Relay's link and status, or null when
 * the row shows them already (so a row is written once, not on every sync that sees it again) or
 * the data source has no such properties. "Relay link" may be a url or a text property; "Relay
 * status" a text (with the reason for a row that needs attention), select or status property (a
 * status only with a matching option: Notion refuses a new one).
 */
export function notionWriteBack(schema: NotionSchema, row: Pick<NotionRow, 'properties'>, what: NotionWriteBack): Record<string, unknown> | null {
  const changes: Record<string, unknown> = {};
  const link = findProperty(schema, RELAY_LINK_PROPERTY);
  if (link && what.accountUrl) {
    const current = notionText(findProperty(row.properties, link[0])?.[1]);
    if (current !== what.accountUrl) {
      if (link[1].type === 'url') changes[link[0]] = { url: what.accountUrl };
      else if (link[1].type === 'rich_text') changes[link[0]] = { rich_text: richTextOf(what.accountUrl, what.accountUrl) };
    }
  }
  const status = findProperty(schema, RELAY_STATUS_PROPERTY);
  if (status) {
    const label = STATUS_LABELS[what.outcome];
    const current = notionText(findProperty(row.properties, status[0])?.[1]);
    if (status[1].type === 'rich_text') {
      const text = what.outcome === 'failed' && what.reason ? `${label}: ${what.reason}` : label;
      if (current !== text.slice(0, 2000).trim()) changes[status[0]] = { rich_text: richTextOf(text) };
    } else if (status[1].type === 'select' && current !== label) {
      changes[status[0]] = { select: { name: label } };
    } else if (status[1].type === 'status') {
      const option = status[1].options.find((o) => o.toLowerCase() === label.toLowerCase());
      if (option && current !== option) changes[status[0]] = { status: { name: option } };
    }
  }
  return Object.keys(changes).length ? changes : null;
}
