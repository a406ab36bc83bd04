import { APIErrorCode, Client, ClientErrorCode, isFullDatabase, isFullDataSource, isFullPage, isNotionClientError, LogLevel } from '@notionhq/client';
import type { NotionPropertyValue, NotionRow, NotionSchema } from '../../domain/notionConnector.ts';

/**
 * A Notion call that failed, typed for the caller's retry policy: a revoked or wrong token
 * (`unauthorized`: retrying changes nothing, a person must reconnect), an integration without the
 * capability (`forbidden`), a database or row not shared with the integration (`not_found`), a rate
 * limit (with how long Notion asked us to wait), a request Notion refused as invalid (`rejected`), or
 * a passing outage (`transient`).
 */
export class NotionCallFailed extends Error {
  override name = 'NotionCallFailed';
  constructor(
    message: string,
    readonly kind: 'unauthorized' | 'forbidden' | 'not_found' | 'rate_limited' | 'rejected' | 'transient',
    readonly status: number | null,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

function header(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  if (headers && typeof headers === 'object') {
    const value = (headers as Record<string, unknown>)[name] ?? (headers as Record<string, unknown>)[name.toLowerCase()];
    return typeof value === 'string' ? value : null;
  }
  return null;
}

function failureOf(error: unknown, what: string): NotionCallFailed {
  if (!isNotionClientError(error)) {
    return new NotionCallFailed(`Notion did not answer (${what}): ${error instanceof Error ? error.message : String(error)}`.slice(0, 300), 'transient', null, null);
  }
  const e = error as { status?: unknown; headers?: unknown; code: string; message: string };
  const status = typeof e.status === 'number' ? e.status : null;
  const detail = e.message.slice(0, 200).replace(/\.+$/, '');
  if (e.code === ClientErrorCode.InvalidPathParameter) return new NotionCallFailed(`Notion cannot be asked for that ID (${what}): ${detail}`, 'rejected', null, null);
  if (e.code === APIErrorCode.Unauthorized || status === 401) return new NotionCallFailed(`Notion refused the integration token while ${what} (401 ${e.code}): ${detail}`, 'unauthorized', status, null);
  if (e.code === APIErrorCode.RestrictedResource || status === 403) return new NotionCallFailed(`Notion refused the integration while ${what} (403 ${e.code}): ${detail}`, 'forbidden', status, null);
  if (e.code === APIErrorCode.ObjectNotFound || status === 404) return new NotionCallFailed(`Notion has nothing shared with the integration by that ID (${what}): ${detail}`, 'not_found', status, null);
  if (e.code === APIErrorCode.RateLimited || status === 429) {
    const seconds = Number(header(e.headers, 'retry-after'));
    return new NotionCallFailed(`Notion's rate limit (${what}): ${detail}`, 'rate_limited', status, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1_000);
  }
  // 409 conflict_error: "the transaction could not be completed, please retry".
  if (status !== null && status >= 400 && status < 500 && status !== 408 && status !== 409) {
    return new NotionCallFailed(`Notion refused the request (${what}, ${status} ${e.code}): ${detail}`, 'rejected', status, null);
  }
  return new NotionCallFailed(`Notion did not answer (${what}${status ? `, ${status}` : ''}): ${detail}`, 'transient', status, null);
}

/** A database's data source as Relay uses it: where rows are queried, and its columns. */
export interface NotionDataSource { databaseId: string; dataSourceId: string; title: string; properties: NotionSchema }

/** A condition on a property, in Notion's filter shape for the property's type. */
export interface NotionRowFilter { property: string; type: string; equals: string }

export interface NotionDatabase {
  /**
   * What a pasted database ID (or a data source's own ID) refers to: the database's first data
   * source (a database made in Notion's UI has one), with its columns.
   */
  resolve(id: string): Promise<NotionDataSource>;
  /** A data source's columns now (a person may have added "Relay link" since the connection was made). */
  dataSource(dataSourceId: string): Promise<NotionDataSource>;
  /**
   * Rows edited on or after `editedSince` (ISO; Notion keeps the minute only, so the caller sees a
   * row again and dedupes), that meet `filter`, oldest edit first, a page at a time. `incomplete`:
   * the query reached Notion's per-query result limit; query again from the last row's edit time.
   */
  queryEditedSince(opts: { dataSourceId: string; editedSince: string | null; filter: NotionRowFilter | null; startCursor?: string | undefined; pageSize: number }):
  Promise<{ rows: NotionRow[]; next: string | null; incomplete: boolean }>;
  /** Sets properties of a row (pages.update: all or nothing). */
  updateRow(pageId: string, properties: Record<string, unknown>): Promise<void>;
}

/** Notion asks integrations for an average of three requests a second; this keeps one client under it. */
const MIN_INTERVAL_MS = 340;

function conditionOf(filter: NotionRowFilter): Record<string, unknown> {
  const key = filter.type === 'select' || filter.type === 'status' || filter.type === 'title' ? filter.type : 'rich_text';
  return { property: filter.property, [key]: { equals: filter.equals } };
}

/**
 * The SDK, with its own retries off: the calling activity's retry policy decides (Notion's
 * Retry-After becomes the next attempt's delay), so a retry never sleeps inside an activity. Calls
 * from one client are spaced to stay under Notion's average of three a second.
 */
export function createNotionDatabase(opts: { token: string; baseUrl?: string | undefined; minIntervalMs?: number; timeoutMs?: number }): NotionDatabase {
  const client = new Client({
    auth: opts.token, retry: false, timeoutMs: opts.timeoutMs ?? 30_000, logLevel: LogLevel.ERROR, ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
  });
  const spacing = opts.minIntervalMs ?? MIN_INTERVAL_MS;
  let nextSlot = 0;
  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const at = Math.max(now, nextSlot);
    nextSlot = at + spacing;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
    try {
      return await fn();
    } catch (error) {
      throw failureOf(error, what);
    }
  }

  async function dataSource(dataSourceId: string): Promise<NotionDataSource> {
    const source = await call('reading the data source', () => client.dataSources.retrieve({ data_source_id: dataSourceId }));
    if (!isFullDataSource(source)) throw new NotionCallFailed('Notion answered a partial data source', 'rejected', null, null);
    const properties: NotionSchema = {};
    for (const [name, p] of Object.entries(source.properties)) {
      const options = p.type === 'select' ? p.select.options.map((o) => o.name) : p.type === 'status' ? p.status.options.map((o) => o.name) : [];
      properties[name] = { type: p.type, options };
    }
    const databaseId = source.parent.type === 'database_id' ? source.parent.database_id : dataSourceId;
    return { databaseId, dataSourceId: source.id, title: source.title.map((t) => t.plain_text).join(''), properties };
  }

  return {
    async resolve(id) {
      let database;
      try {
        database = await call('reading the database', () => client.databases.retrieve({ database_id: id }));
      } catch (error) {
        // Not a database: it may be one of a database's data sources, named by its own ID.
        if (error instanceof NotionCallFailed && (error.kind === 'not_found' || error.kind === 'rejected')) {
          try {
            return await dataSource(id);
          } catch (second) {
            if (second instanceof NotionCallFailed && (second.kind === 'not_found' || second.kind === 'rejected')) throw error;
            throw second;
          }
        }
        throw error;
      }
      if (!isFullDatabase(database)) throw new NotionCallFailed('Notion answered a partial database', 'rejected', null, null);
      const first = database.data_sources[0];
      if (!first) throw new NotionCallFailed('the database has no data source', 'not_found', null, null);
      const source = await dataSource(first.id);
      const title = database.title.map((t) => t.plain_text).join('') || source.title;
      return { ...source, databaseId: database.id, title };
    },

    dataSource,

    async queryEditedSince({ dataSourceId, editedSince, filter, startCursor, pageSize }) {
      const conditions: Record<string, unknown>[] = [
        ...(editedSince ? [{ timestamp: 'last_edited_time', last_edited_time: { on_or_after: editedSince } }] : []),
        ...(filter ? [conditionOf(filter)] : []),
      ];
      const where = conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { and: conditions };
      const page = await call('querying the data source', () => client.dataSources.query({
        data_source_id: dataSourceId, page_size: pageSize,
        sorts: [{ timestamp: 'last_edited_time', direction: 'ascending' }],
        // The SDK's filter type is a deep union of every property type; this is one of its shapes.
        ...(where ? { filter: where as never } : {}),
        ...(startCursor ? { start_cursor: startCursor } : {}),
      }));
      const rows: NotionRow[] = page.results.filter(isFullPage).map((p) => ({
        id: p.id, url: p.url, lastEditedTime: p.last_edited_time, properties: p.properties as unknown as Record<string, NotionPropertyValue>,
      }));
      return { rows, next: page.has_more ? page.next_cursor : null, incomplete: page.request_status?.type === 'incomplete' };
    },

    async updateRow(pageId, properties) {
      await call('writing back to the row', () => client.pages.update({ page_id: pageId, properties: properties as never }));
    },
  };
}
