import { describe, expect, it } from 'vitest';
import { fieldErrors } from './accountInput.ts';
import {
  accountFromNotionRow, NotRowMappable, notionConnectionSchema, notionIdOf, notionSettingsProblems, notionWriteBack,
  type NotionPropertyValue, type NotionSchema,
} from './notionConnector.ts';

// Property values shaped as Notion answers them (2025-09-03).
const text = (type: 'title' | 'rich_text', content: string | null): NotionPropertyValue =>
  ({ type, [type]: content === null ? [] : [{ type: 'text', text: { content, link: null }, plain_text: content, href: null }] });
const number = (n: number | null): NotionPropertyValue => ({ type: 'number', number: n });
const date = (start: string | null): NotionPropertyValue => ({ type: 'date', date: start ? { start, end: null, time_zone: null } : null });
const email = (value: string | null): NotionPropertyValue => ({ type: 'email', email: value });
const url = (value: string | null): NotionPropertyValue => ({ type: 'url', url: value });
const select = (name: string | null, type: 'select' | 'status' = 'select'): NotionPropertyValue => ({ type, [type]: name ? { id: 'x', name, color: 'default' } : null });
const people = (...list: { name?: string; email?: string }[]): NotionPropertyValue => ({
  type: 'people', people: list.map((p, i) => ({ object: 'user', id: `u${i}`, name: p.name ?? null, type: 'person', person: p.email ? { email: p.email } : {} })),
});

const MAPPING = {
  companyName: 'Name', arr: 'ARR', closeDate: 'Close date', primaryContactName: 'Champion', primaryContactEmail: 'Champion email',
  aeEmail: 'Owner', website: 'Website', notes: 'Notes',
};
const SETTINGS = { mapping: MAPPING, templateName: 'Quick Start', templateProperty: null };
const ROW = { id: '11111111-2222-4333-8444-555555555555', url: 'https://www.notion.so/111111112222433384445555555555555' };

function properties(overrides: Record<string, NotionPropertyValue> = {}): Record<string, NotionPropertyValue> {
  return {
    Name: text('title', 'Acme Rockets'), ARR: number(48_000), 'Close date': date('2026-11-27'), Champion: text('rich_text', 'Dana Scully'),
    'Champion email': email('dana@acme-rockets.example'), Owner: people({ name: 'Sam Seller', email: 'sam@relay.example' }),
    Website: url('acme-rockets.example'), Notes: text('rich_text', 'Needs SSO before rollout.'), Stage: select('Closed Won'),
    ...overrides,
  };
}

function refusal(fn: () => unknown): NotRowMappable {
  try {
    fn();
  } catch (error) {
    if (error instanceof NotRowMappable) return error;
    throw error;
  }
  throw new Error('expected NotRowMappable');
}

describe('notionIdOf', () => {
  it('reads a bare ID, a hyphenated one, and a database URL (not its view ID)', () => {
    const id = '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6';
    const uuid = '1a2b3c4d-5e6f-47a8-b9c0-d1e2f3a4b5c6';
    expect(notionIdOf(id)).toBe(uuid);
    expect(notionIdOf(` ${uuid.toUpperCase()} `)).toBe(uuid);
    expect(notionIdOf(`https://www.notion.so/acme/Deals-${id}?v=ffffffffffffffffffffffffffffffff`)).toBe(uuid);
    expect(notionIdOf(`https://www.notion.so/${id}`)).toBe(uuid);
    expect(notionIdOf('not-an-id')).toBeNull();
    expect(notionIdOf(`${id}ff`)).toBeNull();
    expect(notionIdOf('https://www.notion.so/acme/Deals')).toBeNull();
  });
});

describe('notionConnectionSchema', () => {
  const body = { token: 'ntn_0123456789abcdef', databaseId: '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6', mapping: MAPPING, templateName: 'Quick Start' };

  it('takes a full connection and polls every 5 minutes by default', () => {
    const parsed = notionConnectionSchema.parse({ ...body, filter: { property: 'Stage', equals: 'Closed Won' } });
    expect(parsed).toMatchObject({ intervalMinutes: 5, filter: { property: 'Stage', equals: 'Closed Won' } });
  });

  it('names each bad field', () => {
    const result = notionConnectionSchema.safeParse({ ...body, databaseId: 'nope', mapping: { ...MAPPING, arr: '' }, intervalMinutes: 0, extra: true });
    expect(result.success).toBe(false);
    const fields = fieldErrors(result.error!).map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['databaseId', 'mapping.arr', 'intervalMinutes', 'extra']));
    const missing = notionConnectionSchema.safeParse({ databaseId: body.databaseId, templateName: 'Quick Start' });
    expect(fieldErrors(missing.error!).map((f) => f.field)).toEqual(expect.arrayContaining(['token', 'mapping']));
  });
});

describe('notionSettingsProblems', () => {
  const schema: NotionSchema = {
    Name: { type: 'title', options: [] }, ARR: { type: 'number', options: [] }, 'Close date': { type: 'date', options: [] },
    Champion: { type: 'rich_text', options: [] }, 'Champion email': { type: 'email', options: [] }, Owner: { type: 'people', options: [] },
    Website: { type: 'url', options: [] }, Notes: { type: 'rich_text', options: [] }, Stage: { type: 'select', options: ['Open', 'Closed Won'] },
    Done: { type: 'checkbox', options: [] },
  };

  it('accepts a mapping the data source can fill, matching names regardless of case', () => {
    expect(notionSettingsProblems({ mapping: { ...MAPPING, arr: 'arr' }, filter: { property: 'Stage', equals: 'Closed Won' }, templateProperty: undefined }, schema)).toEqual([]);
  });

  it('names a missing property, a property of the wrong type and a filter option that does not exist', () => {
    const problems = notionSettingsProblems({
      mapping: { ...MAPPING, arr: 'Amount', closeDate: 'Done' }, filter: { property: 'Stage', equals: 'Won' }, templateProperty: 'Done',
    }, schema);
    expect(problems).toEqual([
      { field: 'mapping.arr', message: expect.stringContaining('no property "Amount"') },
      { field: 'mapping.closeDate', message: '"Done" is a checkbox property; Relay reads this field from date, rich_text, formula' },
      { field: 'filter.equals', message: '"Stage" has no option "Won" (it has "Open", "Closed Won")' },
      { field: 'templateProperty', message: expect.stringContaining('"Done" is a checkbox property') },
    ]);
  });
});

describe('accountFromNotionRow', () => {
  it('maps a row to the account body POST /api/accounts takes', () => {
    expect(accountFromNotionRow({ ...ROW, properties: properties() }, SETTINGS)).toEqual({
      companyName: 'Acme Rockets', arr: 48_000, closeDate: '2026-11-27', primaryContactName: 'Dana Scully',
      primaryContactEmail: 'dana@acme-rockets.example', aeEmail: 'sam@relay.example', website: 'https://acme-rockets.example',
      notes: 'Needs SSO before rollout.', templateName: 'Quick Start',
      rawPayload: `Deal notes: Needs SSO before rollout.\nNotion row: Acme Rockets (${ROW.url})`,
    });
  });

  it('reads ARR typed as text the way people write it, a date with a time, an http website, and no optional fields', () => {
    const body = accountFromNotionRow({
      ...ROW, properties: properties({ ARR: text('rich_text', '$48,500.40'), 'Close date': date('2026-11-27T15:00:00.000+01:00'), Website: url('http://www.acme.example/about') }),
    }, { ...SETTINGS, mapping: { ...MAPPING, aeEmail: undefined, notes: undefined } });
    expect(body).toMatchObject({ arr: 48_500, closeDate: '2026-11-27', website: 'https://www.acme.example/about' });
    expect(body).not.toHaveProperty('aeEmail');
    expect(body).not.toHaveProperty('notes');
  });

  it('names the property and the reason when a row cannot make an account', () => {
    expect(refusal(() => accountFromNotionRow({ ...ROW, properties: properties({ ARR: text('rich_text', 'fifty thousand') }) }, SETTINGS)))
      .toMatchObject({ property: 'ARR', message: '"ARR" is not a number ("fifty thousand"); Relay needs ARR in whole dollars' });
    expect(refusal(() => accountFromNotionRow({ ...ROW, properties: properties({ 'Champion email': email(null) }) }, SETTINGS)))
      .toMatchObject({ property: 'Champion email', message: '"Champion email" is empty (Relay needs the primary contact\'s email)' });
    expect(refusal(() => accountFromNotionRow({ ...ROW, properties: properties({ ARR: number(null) }) }, SETTINGS)).message).toBe('"ARR" is empty (Relay needs ARR from it)');
    expect(refusal(() => accountFromNotionRow({ ...ROW, properties: properties({ 'Champion email': email('dana at acme') }) }, SETTINGS)))
      .toMatchObject({ property: 'Champion email', reason: 'does not make a valid account: primary contact email is not a valid email' });
    expect(refusal(() => accountFromNotionRow({ ...ROW, properties: properties({ ARR: number(-5) }) }, SETTINGS)).message)
      .toBe('"ARR" does not make a valid account: ARR must be greater than 0 ("-5")');
    expect(refusal(() => accountFromNotionRow({ ...ROW, properties: properties({ 'Close date': text('rich_text', '27/11/2026') }) }, { ...SETTINGS, mapping: MAPPING })).property).toBe('Close date');
    const { Name: _gone, ...withoutName } = properties();
    expect(refusal(() => accountFromNotionRow({ ...ROW, properties: withoutName }, SETTINGS)).message).toMatch(/^"Name" is not a property of the row any more/);
  });

  it('takes the contact and AE from people properties, and says when Notion hides their email', () => {
    const mapping = { ...MAPPING, primaryContactName: 'Champion', primaryContactEmail: 'Champion' };
    const body = accountFromNotionRow({ ...ROW, properties: properties({ Champion: people({ name: 'Dana Scully', email: 'dana@acme.example' }) }) }, { ...SETTINGS, mapping });
    expect(body).toMatchObject({ primaryContactName: 'Dana Scully', primaryContactEmail: 'dana@acme.example', aeEmail: 'sam@relay.example' });
    expect(refusal(() => accountFromNotionRow({ ...ROW, properties: properties({ Champion: people({ name: 'Dana Scully' }) }) }, { ...SETTINGS, mapping })).reason)
      .toMatch(/email Notion does not share/);
  });

  it('takes the template from a select property, else the fixed one', () => {
    const settings = { ...SETTINGS, templateProperty: 'Plan' };
    expect(accountFromNotionRow({ ...ROW, properties: properties({ Plan: select('Enterprise Onboarding') }) }, settings).templateName).toBe('Enterprise Onboarding');
    expect(accountFromNotionRow({ ...ROW, properties: properties({ Plan: select(null) }) }, settings).templateName).toBe('Quick Start');
  });
});

describe('notionWriteBack', () => {
  const accountUrl = 'http://relay.test/accounts/abc';
  const schema: NotionSchema = { 'Relay link': { type: 'url', options: [] }, 'Relay status': { type: 'rich_text', options: [] } };

  it('writes the link and the status once; a row that shows them already needs nothing', () => {
    expect(notionWriteBack(schema, { properties: properties() }, { outcome: 'created', accountUrl, reason: null })).toEqual({
      'Relay link': { url: accountUrl }, 'Relay status': { rich_text: [{ type: 'text', text: { content: 'Created', link: null } }] },
    });
    const shown = properties({ 'Relay link': url(accountUrl), 'Relay status': text('rich_text', 'Created') });
    expect(notionWriteBack(schema, { properties: shown }, { outcome: 'created', accountUrl, reason: null })).toBeNull();
  });

  it('says why a row needs attention, and writes no link without an account', () => {
    expect(notionWriteBack(schema, { properties: properties() }, { outcome: 'failed', accountUrl: null, reason: '"ARR" is empty' })).toEqual({
      'Relay status': { rich_text: [{ type: 'text', text: { content: 'Needs attention: "ARR" is empty', link: null } }] },
    });
  });

  it('uses a text link, a select, or a status option that exists; nothing when the data source has no such properties', () => {
    const other: NotionSchema = { 'relay link': { type: 'rich_text', options: [] }, 'Relay Status': { type: 'select', options: [] } };
    expect(notionWriteBack(other, { properties: properties() }, { outcome: 'linked', accountUrl, reason: null })).toEqual({
      'relay link': { rich_text: [{ type: 'text', text: { content: accountUrl, link: { url: accountUrl } } }] }, 'Relay Status': { select: { name: 'Linked' } },
    });
    const status: NotionSchema = { 'Relay status': { type: 'status', options: ['Not started', 'created', 'Done'] } };
    expect(notionWriteBack(status, { properties: properties() }, { outcome: 'created', accountUrl, reason: null })).toEqual({ 'Relay status': { status: { name: 'created' } } });
    expect(notionWriteBack(status, { properties: properties() }, { outcome: 'failed', accountUrl: null, reason: 'x' })).toBeNull();
    expect(notionWriteBack({}, { properties: properties() }, { outcome: 'created', accountUrl, reason: null })).toBeNull();
  });
});
