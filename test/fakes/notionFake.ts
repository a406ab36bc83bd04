import { randomBytes, randomUUID } from 'node:crypto';
import { reply, startJsonServer, type FakeReply } from './jsonServer.ts';

/**
 * A Notion workspace stand-in speaking the 2025-09-03 API as `@notionhq/client` 5 calls it:
 * databases hold data sources, rows are pages queried through `/v1/data_sources/{id}/query`.
 * Like Notion, `created_time`/`last_edited_time` are rounded down to the minute, so an
 * incremental sync has to query `on_or_after` and expect to see a row again.
 */

type SelectOption = { id: string; name: string; color: string; description: null };
type PropertyType = 'title' | 'rich_text' | 'number' | 'date' | 'email' | 'people' | 'url' | 'select' | 'status';
/** How a test declares a column: its type, or the options of a select / status. */
export type NotionPropertySpec = Exclude<PropertyType, 'select' | 'status'> | { select: readonly string[] } | { status: readonly string[] };

interface PropertySchema { id: string; name: string; type: PropertyType; options: SelectOption[] }
interface DataSource { id: string; databaseId: string; name: string; properties: Map<string, PropertySchema>; createdAt: number }
interface Database { id: string; title: string; dataSourceIds: string[]; createdAt: number }
interface Page { id: string; dataSourceId: string; createdAt: number; editedAt: number; values: Map<string, unknown> }
type NotionUser = { id: string; name?: string; email?: string };

export interface NotionFakeOptions {
  /** Integration tokens accepted as `Authorization: Bearer …`. */
  tokens: string[];
  /** Requests per second before 429 rate_limited (Notion: an average of 3). */
  rateLimit?: { perSecond: number };
  /** Rows one query (one filter and sort) can reach before `request_status: incomplete` (Notion: 10,000). */
  queryResultLimit?: number;
  now?: () => number;
}

const notionError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  reply.json(status, { object: 'error', status, code, message, request_id: randomUUID() }, headers);
class Invalid extends Error {}

/** Canned answers for `once(...)`. */
export const notionReply = {
  rateLimited: (retryAfterSeconds = 1): FakeReply =>
    notionError(429, 'rate_limited', 'You have been rate limited. Please try again in a few minutes.', { 'retry-after': String(retryAfterSeconds) }),
  serverError: (): FakeReply => notionError(500, 'internal_server_error', 'Unexpected error occurred.'),
  unavailable: (): FakeReply => notionError(503, 'service_unavailable', 'Notion is unavailable, please try again later.'),
  hang: (): FakeReply => reply.hang(),
};

const bare = (id: string) => id.replaceAll('-', '').toLowerCase();
const toMinute = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
const richText = (content: string, link: string | null = null) => ({
  type: 'text', text: { content, link: link ? { url: link } : null },
  annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' },
  plain_text: content, href: link,
});
const user = (u: NotionUser) => ({ object: 'user', id: u.id, name: u.name ?? null, avatar_url: null, type: 'person', person: u.email ? { email: u.email } : {} });
const BOT = { object: 'user', id: '9a3b5c7d-0000-4000-8000-0000000b0700' };

/** The comparable value of a stored property (what filters and sorts look at). */
function scalar(type: PropertyType, value: unknown): string | number | string[] | null {
  if (value === null || value === undefined) return null;
  if (type === 'title' || type === 'rich_text') return (value as { plain_text: string }[]).map((t) => t.plain_text).join('') || null;
  if (type === 'select' || type === 'status') return (value as SelectOption).name;
  if (type === 'date') return Date.parse((value as { start: string }).start);
  if (type === 'people') return (value as { id: string }[]).map((u) => u.id);
  return value as string | number;
}

type FilterKind = 'text' | 'option' | 'number' | 'date' | 'people';

function meets(condition: Record<string, unknown>, actual: string | number | string[] | null, kind: FilterKind): boolean {
  const entries = Object.entries(condition);
  if (entries.length !== 1) throw new Invalid('body failed validation: a filter condition needs exactly one operator.');
  const [op, raw] = entries[0]!;
  if (op === 'is_empty') return actual === null || (Array.isArray(actual) && !actual.length);
  if (op === 'is_not_empty') return !(actual === null || (Array.isArray(actual) && !actual.length));
  if (kind === 'people') {
    if (op === 'contains') return (actual as string[] | null)?.map(bare).includes(bare(String(raw))) ?? false;
    if (op === 'does_not_contain') return !((actual as string[] | null)?.map(bare).includes(bare(String(raw))) ?? false);
    throw new Invalid(`body failed validation: unsupported people filter ${op}.`);
  }
  const wanted = kind === 'date' ? Date.parse(String(raw)) : raw;
  if (kind === 'date' && Number.isNaN(wanted)) throw new Invalid(`body failed validation: ${String(raw)} is not a valid ISO 8601 date.`);
  // Text conditions ignore case; select and status options match exactly.
  const a = kind === 'text' && typeof actual === 'string' ? actual.toLowerCase() : actual;
  const w = kind === 'text' && typeof wanted === 'string' ? wanted.toLowerCase() : wanted;
  switch (op) {
    case 'equals': return a === w;
    case 'does_not_equal': return a !== w;
    case 'contains': return typeof a === 'string' && a.includes(String(w));
    case 'does_not_contain': return !(typeof a === 'string' && a.includes(String(w)));
    case 'starts_with': return typeof a === 'string' && a.startsWith(String(w));
    case 'ends_with': return typeof a === 'string' && a.endsWith(String(w));
    case 'greater_than': case 'after': return a !== null && (a as number) > (w as number);
    case 'less_than': case 'before': return a !== null && (a as number) < (w as number);
    case 'greater_than_or_equal_to': case 'on_or_after': return a !== null && (a as number) >= (w as number);
    case 'less_than_or_equal_to': case 'on_or_before': return a !== null && (a as number) <= (w as number);
    default: throw new Invalid(`body failed validation: unsupported filter condition ${op}.`);
  }
}

const FILTER_KIND: Record<PropertyType, FilterKind> = {
  title: 'text', rich_text: 'text', email: 'text', url: 'text', select: 'option', status: 'option', number: 'number', date: 'date', people: 'people',
};

/** Starts the fake on a loopback port; pass `url` as the SDK's `baseUrl` (the SDK appends /v1/). */
export async function startNotionFake(opts: NotionFakeOptions) {
  const now = opts.now ?? Date.now;
  const tokens = new Set(opts.tokens);
  const databases = new Map<string, Database>();
  const dataSources = new Map<string, DataSource>();
  const pages = new Map<string, Page>();
  const queued: FakeReply[] = [];
  const recent: number[] = [];

  function findProperty(source: DataSource, nameOrId: string): PropertySchema | undefined {
    return source.properties.get(nameOrId) ?? [...source.properties.values()].find((p) => p.id === nameOrId || p.id === decodeURIComponent(nameOrId));
  }

  function option(schema: PropertySchema, wanted: { name?: string; id?: string }, createMissing: boolean): SelectOption {
    const found = schema.options.find((o) => (wanted.id ? o.id === wanted.id : o.name === wanted.name));
    if (found) return found;
    // Notion adds an unknown select option to the schema; a status must be one of its options.
    if (schema.type === 'select' && createMissing && wanted.name) {
      const created: SelectOption = { id: randomUUID(), name: wanted.name, color: 'default', description: null };
      schema.options.push(created);
      return created;
    }
    throw new Invalid(`Invalid ${schema.type} option "${wanted.name ?? wanted.id}" for property ${schema.name}.`);
  }

  /** Turns a test's plain value (a string, number, list of users) into the stored typed value. */
  function fromPlain(schema: PropertySchema, value: unknown): unknown {
    if (value === null || value === undefined) return schema.type === 'title' || schema.type === 'rich_text' || schema.type === 'people' ? [] : null;
    switch (schema.type) {
      case 'title': case 'rich_text': return [richText(String(value))];
      case 'select': case 'status': return option(schema, { name: String(value) }, true);
      case 'date': return { start: String(value), end: null, time_zone: null };
      case 'people': return (value as (NotionUser | string)[]).map((u) => user(typeof u === 'string' ? { id: u } : u));
      default: return value;
    }
  }

  /** Turns a property value of a pages.update body into the stored typed value, as Notion validates it. */
  function fromRequest(schema: PropertySchema, value: unknown): unknown {
    const body = (value ?? {}) as Record<string, unknown>;
    if (!(schema.type in body)) throw new Invalid(`${schema.name} is expected to be ${schema.type}.`);
    const v = body[schema.type];
    switch (schema.type) {
      case 'title': case 'rich_text':
        if (!Array.isArray(v)) throw new Invalid(`body failed validation: body.properties.${schema.name}.${schema.type} should be an array.`);
        return (v as { text?: { content?: string; link?: { url: string } | null } }[]).map((t) => richText(t.text?.content ?? '', t.text?.link?.url ?? null));
      case 'select': case 'status':
        return v === null ? null : option(schema, v as { name?: string; id?: string }, true);
      case 'number':
        if (v !== null && typeof v !== 'number') throw new Invalid(`body failed validation: body.properties.${schema.name}.number should be a number or null.`);
        return v;
      case 'url': case 'email':
        if (v !== null && typeof v !== 'string') throw new Invalid(`body failed validation: body.properties.${schema.name}.${schema.type} should be a string or null.`);
        return v;
      case 'date': return v === null ? null : { start: (v as { start: string }).start, end: (v as { end?: string }).end ?? null, time_zone: null };
      case 'people': return (v as { id: string }[]).map((u) => user({ id: u.id }));
    }
  }

  function presentPage(page: Page) {
    const source = dataSources.get(page.dataSourceId)!;
    const properties: Record<string, unknown> = {};
    for (const schema of source.properties.values()) {
      properties[schema.name] = { id: schema.id, type: schema.type, [schema.type]: page.values.get(schema.name) ?? fromPlain(schema, null) };
    }
    return {
      object: 'page', id: page.id, created_time: toMinute(page.createdAt), last_edited_time: toMinute(page.editedAt),
      created_by: BOT, last_edited_by: BOT, cover: null, icon: null,
      parent: { type: 'data_source_id', data_source_id: source.id, database_id: source.databaseId },
      archived: false, in_trash: false, is_archived: false, is_locked: false, properties,
      url: `https://www.notion.so/${bare(page.id)}`, public_url: null,
    };
  }

  function presentSchema(schema: PropertySchema) {
    const config = schema.type === 'select'
      ? { options: schema.options }
      : schema.type === 'status'
        ? {
          options: schema.options,
          groups: [
            { id: 'group-todo', name: 'To-do', color: 'gray', option_ids: schema.options.slice(0, 1).map((o) => o.id) },
            { id: 'group-progress', name: 'In progress', color: 'blue', option_ids: schema.options.slice(1, -1).map((o) => o.id) },
            { id: 'group-done', name: 'Complete', color: 'green', option_ids: schema.options.slice(1).slice(-1).map((o) => o.id) },
          ],
        }
        : {};
    return { id: schema.id, name: schema.name, description: null, type: schema.type, [schema.type]: config };
  }

  function matchesFilter(page: Page, source: DataSource, filter: Record<string, unknown>): boolean {
    if (Array.isArray(filter.and)) return (filter.and as Record<string, unknown>[]).every((f) => matchesFilter(page, source, f));
    if (Array.isArray(filter.or)) return (filter.or as Record<string, unknown>[]).some((f) => matchesFilter(page, source, f));
    if (filter.timestamp === 'last_edited_time' || filter.timestamp === 'created_time') {
      const stamp = filter.timestamp === 'last_edited_time' ? page.editedAt : page.createdAt;
      return meets((filter[filter.timestamp] ?? {}) as Record<string, unknown>, Date.parse(toMinute(stamp)), 'date');
    }
    if (typeof filter.property !== 'string') throw new Invalid('body failed validation: filter needs `property`, `timestamp`, `and` or `or`.');
    const schema = findProperty(source, filter.property);
    if (!schema) throw new Invalid(`Could not find property with name or id: ${filter.property}`);
    // A title can be filtered as rich_text; otherwise the condition's key must be the column's type.
    const key = schema.type in filter ? schema.type : schema.type === 'title' && 'rich_text' in filter ? 'rich_text' : null;
    if (!key) throw new Invalid(`body failed validation: the filter on ${schema.name} must use its type, ${schema.type}.`);
    return meets(filter[key] as Record<string, unknown>, scalar(schema.type, page.values.get(schema.name)), FILTER_KIND[schema.type]);
  }

  function query(source: DataSource, body: Record<string, unknown>): FakeReply {
    const pageSize = body.page_size === undefined ? 100 : body.page_size;
    if (typeof pageSize !== 'number' || pageSize < 1 || pageSize > 100) throw new Invalid('body failed validation: body.page_size should be ≤ `100`, instead was `' + String(pageSize) + '`.');
    const filter = body.filter as Record<string, unknown> | undefined;
    const rows = [...pages.values()].filter((p) => p.dataSourceId === source.id && (!filter || matchesFilter(p, source, filter)));
    for (const sort of [...((body.sorts ?? []) as { property?: string; timestamp?: string; direction?: string }[])].reverse()) {
      const schema = sort.property ? findProperty(source, sort.property) : undefined;
      if (sort.property && !schema) throw new Invalid(`Could not find sort property with name or id: ${sort.property}`);
      const key = (p: Page) => schema ? scalar(schema.type, p.values.get(schema.name))
        : Date.parse(toMinute(sort.timestamp === 'created_time' ? p.createdAt : p.editedAt));
      const sign = sort.direction === 'descending' ? -1 : 1;
      rows.sort((a, b) => {
        const x = key(a); const y = key(b);
        if (x === y) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        return (x < y ? -1 : 1) * sign;
      });
    }
    const incomplete = rows.length > (opts.queryResultLimit ?? 10_000);
    if (incomplete) rows.length = opts.queryResultLimit ?? 10_000;
    let start = 0;
    if (typeof body.start_cursor === 'string') {
      start = rows.findIndex((p) => bare(p.id) === bare(body.start_cursor as string));
      if (start < 0) throw new Invalid(`start_cursor provided is invalid: ${body.start_cursor}`);
    }
    const slice = rows.slice(start, start + pageSize);
    const next = rows[start + pageSize];
    return reply.json(200, {
      object: 'list', results: slice.map(presentPage), next_cursor: next ? next.id : null, has_more: !!next,
      type: 'page_or_data_source', page_or_data_source: {}, request_id: randomUUID(),
      ...(incomplete && !next ? { request_status: { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' } } : {}),
    });
  }

  function route(method: string, path: string, body: Record<string, unknown>): FakeReply {
    const match = /^\/v1\/(databases|data_sources|pages)\/([^/?]+)(\/query)?(?:\?.*)?$/.exec(path);
    if (!match) return notionError(400, 'invalid_request_url', 'Invalid request URL.');
    const [, kind, rawId, suffix] = match;
    const id = bare(decodeURIComponent(rawId!));
    const notFound = (what: string) => notionError(404, 'object_not_found',
      `Could not find ${what} with ID: ${rawId}. Make sure the relevant pages and databases are shared with your integration.`);
    if (kind === 'databases' && method === 'GET' && !suffix) {
      const db = [...databases.values()].find((d) => bare(d.id) === id);
      if (!db) return notFound('database');
      return reply.json(200, {
        object: 'database', id: db.id, title: [richText(db.title)], description: [], parent: { type: 'workspace', workspace: true },
        is_inline: false, in_trash: false, archived: false, is_locked: false, created_time: toMinute(db.createdAt), last_edited_time: toMinute(db.createdAt),
        data_sources: db.dataSourceIds.map((dsId) => ({ id: dsId, name: dataSources.get(dsId)!.name })),
        icon: null, cover: null, url: `https://www.notion.so/${bare(db.id)}`, public_url: null,
      });
    }
    if (kind === 'data_sources') {
      const source = [...dataSources.values()].find((d) => bare(d.id) === id);
      if (!source) return notFound('data_source');
      if (method === 'POST' && suffix) return query(source, body);
      if (method === 'GET' && !suffix) {
        return reply.json(200, {
          object: 'data_source', id: source.id, title: [richText(source.name)], description: [],
          parent: { type: 'database_id', database_id: source.databaseId }, database_parent: { type: 'workspace', workspace: true },
          is_inline: false, in_trash: false, archived: false, created_time: toMinute(source.createdAt), last_edited_time: toMinute(source.createdAt),
          created_by: BOT, last_edited_by: BOT, properties: Object.fromEntries([...source.properties.values()].map((p) => [p.name, presentSchema(p)])),
          icon: null, cover: null, url: `https://www.notion.so/${bare(source.id)}`, public_url: null,
        });
      }
    }
    if (kind === 'pages' && !suffix) {
      const page = [...pages.values()].find((p) => bare(p.id) === id);
      if (!page) return notFound('page');
      if (method === 'GET') return reply.json(200, presentPage(page));
      if (method === 'PATCH') {
        const source = dataSources.get(page.dataSourceId)!;
        const changes = new Map<string, unknown>();
        for (const [nameOrId, value] of Object.entries((body.properties ?? {}) as Record<string, unknown>)) {
          const schema = findProperty(source, nameOrId);
          if (!schema) throw new Invalid(`${nameOrId} is not a property that exists.`);
          changes.set(schema.name, fromRequest(schema, value));
        }
        for (const [name, value] of changes) page.values.set(name, value); // all or nothing, as Notion
        page.editedAt = now();
        return reply.json(200, presentPage(page));
      }
    }
    return notionError(400, 'invalid_request_url', 'Invalid request URL.');
  }

  const server = await startJsonServer((req) => {
    const next = queued.shift();
    if (next) return next;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !tokens.has(header.replace(/^Bearer /, ''))) return notionError(401, 'unauthorized', 'API token is invalid.');
    if (!req.headers['notion-version']) {
      return notionError(400, 'missing_version', 'Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.');
    }
    if (opts.rateLimit) {
      const t = Date.now();
      while (recent.length && recent[0]! <= t - 1000) recent.shift();
      if (recent.length >= opts.rateLimit.perSecond) return notionReply.rateLimited(Math.max(1, Math.ceil((recent[0]! + 1000 - t) / 1000)));
      recent.push(t);
    }
    try {
      return route(req.method, req.path, (req.body ?? {}) as Record<string, unknown>);
    } catch (error) {
      if (error instanceof Invalid) return notionError(400, 'validation_error', error.message);
      throw error;
    }
  });

  /** Adds a database with its data sources (columns declared by type); answers their ids. */
  function addDatabase(spec: { title: string; dataSources: { name: string; properties: Record<string, NotionPropertySpec> }[] }) {
    const db: Database = { id: randomUUID(), title: spec.title, dataSourceIds: [], createdAt: now() };
    for (const s of spec.dataSources) {
      const properties = new Map<string, PropertySchema>();
      for (const [name, p] of Object.entries(s.properties)) {
        const type: PropertyType = typeof p === 'string' ? p : 'select' in p ? 'select' : 'status';
        const names = typeof p === 'string' ? [] : 'select' in p ? p.select : p.status;
        properties.set(name, {
          id: type === 'title' ? 'title' : encodeURIComponent(randomBytes(3).toString('base64').slice(0, 4)), name, type,
          options: names.map((n) => ({ id: randomUUID(), name: n, color: 'default', description: null })),
        });
      }
      const source: DataSource = { id: randomUUID(), databaseId: db.id, name: s.name, properties, createdAt: now() };
      dataSources.set(source.id, source);
      db.dataSourceIds.push(source.id);
    }
    databases.set(db.id, db);
    return { databaseId: db.id, dataSourceId: db.dataSourceIds[0]!, dataSourceIds: db.dataSourceIds };
  }

  function sourceOf(dataSourceId: string): DataSource {
    const source = dataSources.get(dataSourceId);
    if (!source) throw new Error(`no data source ${dataSourceId}`);
    return source;
  }

  function setPlain(page: Page, values: Record<string, unknown>) {
    const source = sourceOf(page.dataSourceId);
    for (const [name, value] of Object.entries(values)) {
      const schema = source.properties.get(name);
      if (!schema) throw new Error(`no property ${name} in data source ${source.name}`);
      page.values.set(name, fromPlain(schema, value));
    }
  }

  return {
    /** What to pass as the SDK's `baseUrl` (like https://api.notion.com, without /v1). */
    url: server.url,
    /** Every request, in order. */
    requests: server.requests,
    /** Replies for the next requests, whatever they ask, before the workspace's usual behaviour. */
    once: (...next: FakeReply[]) => { queued.push(...next); },
    addDatabase,
    /** Adds a row (a page) from plain values: strings for text/select/status/date, numbers, users for people. */
    addRow(dataSourceId: string, values: Record<string, unknown>): string {
      sourceOf(dataSourceId);
      const at = now();
      const page: Page = { id: randomUUID(), dataSourceId, createdAt: at, editedAt: at, values: new Map() };
      setPlain(page, values);
      pages.set(page.id, page);
      return page.id;
    },
    /** Edits a row as a person would in Notion, which bumps its last_edited_time. */
    editRow(pageId: string, changes: Record<string, unknown>) {
      const page = pages.get(pageId);
      if (!page) throw new Error(`no page ${pageId}`);
      setPlain(page, changes);
      page.editedAt = now();
    },
    /** A row's values in plain form (text as a string, select/status by name, people as ids). */
    readRow(pageId: string): Record<string, unknown> {
      const page = pages.get(pageId);
      if (!page) throw new Error(`no page ${pageId}`);
      const source = sourceOf(page.dataSourceId);
      return Object.fromEntries([...source.properties.values()].map((s) => {
        const v = page.values.get(s.name);
        return [s.name, s.type === 'date' ? (v as { start: string } | null)?.start ?? null : scalar(s.type, v)];
      }));
    },
    /** Removes an integration token (the integration was disconnected): later requests answer 401. */
    revokeToken: (token: string) => { tokens.delete(token); },
    close: server.close,
  };
}
