import type { Mailer } from '../integrations/email/mailer.ts';
import { connectionNeedsReauth } from '../services/connectors/reauth.ts';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import { lockConnectorRecord } from '../db/repositories/connectors.ts';
import {
  advanceConnectionCursor, getConnectionById, getConnectorRecord, recordConnectorOutcome, setConnectionState,
} from '../db/repositories/connectors.ts';
import type { SyncOutcome } from '../domain/connectors.ts';
import {
  accountFromNotionRow, findProperty, NotRowMappable, notionWriteBack, type NotionRow, type NotionSchema, type NotionSettings,
} from '../domain/notionConnector.ts';
import { createNotionDatabase, NotionCallFailed, type NotionDatabase, type NotionRowFilter } from '../integrations/notion/notionDatabase.ts';
import { createSecretBox } from '../platform/secretBox.ts';
import { notionSecretsOf, notionSettingsOf } from '../services/connectors/notion.ts';
import { createAccount } from '../services/createAccount.ts';
import { RelayError } from '../services/errors.ts';
import type { ConnectorSyncInput, ConnectorSyncResult } from '../workflows/connectorDefinitions.ts';
import { FAILURE_TYPES } from '../workflows/definitions.ts';

export interface NotionConnectorActivityDeps {
  db: Database;
  /** RELAY_SECRET (or development's generated one): what connection secrets are sealed with. */
  tokenSecret: string;
  /** Base of the account links written back to Notion rows (and of the admins' reconnect link). */
  publicUrl: string;
  mailer: Mailer;
  /** NOTION_BASE_URL: tests point the SDK at a fake of Notion's API. */
  notionBaseUrl?: string | undefined;
}

/** What one sync did: rows seen (found), made into accounts or linked to one (started), and the detail. */
export interface NotionSyncResult extends ConnectorSyncResult {
  created: number;
  linked: number;
  failed: number;
  writtenBack: number;
}

/** Rows per query page: Notion's maximum. */
const PAGE_SIZE = 100;
/** Pages per run, and how long a run keeps taking pages: the cursor is kept per page, so the next run carries on. */
const MAX_PAGES = 50;
const RUN_BUDGET_MS = 5 * 60_000;

interface RowResult { outcome: SyncOutcome; accountId: string | null; reason: string | null; fresh: boolean }

export function createNotionConnectorActivities(deps: NotionConnectorActivityDeps) {
  const secretBox = createSecretBox(deps.tokenSecret);

  /**
   * What a Notion failure means to the retry policy: a rate limit waits as long as Notion asked
   * (nextRetryDelay, never a sleep here), an outage retries on the policy, and a refused token, a
   * missing capability or a database no longer shared stops the connection until a person acts:
   * the connection says so (needs_reauth, with the reason), and the page shows it.
   */
  async function notionFailure(error: unknown, orgId: string, connectionId: string): Promise<unknown> {
    if (!(error instanceof NotionCallFailed)) return error;
    const stop = async (problem: string) => {
      await connectionNeedsReauth(deps, { orgId, connectionId, provider: 'Notion', problem });
      return ApplicationFailure.create({ type: FAILURE_TYPES.connectorUnauthorized, message: problem, nonRetryable: true });
    };
    switch (error.kind) {
      case 'unauthorized': return stop(`${error.message}. Reconnect Notion with a valid integration token.`);
      case 'forbidden': return stop(`${error.message}. Give the integration the "Read content" capability in Notion, then reconnect.`);
      case 'not_found': return stop(`${error.message}. Share the database with the integration again (••• → Connections), or reconnect with another database.`);
      case 'rate_limited': return ApplicationFailure.create({ type: FAILURE_TYPES.connectorRateLimited, message: error.message, nextRetryDelay: error.retryAfterMs ?? 1_000 });
      case 'rejected':
        await setConnectionState(deps.db, orgId, connectionId, { lastError: error.message });
        return ApplicationFailure.create({ type: FAILURE_TYPES.connectorRecordRejected, message: error.message, nonRetryable: true });
      default: return error;
    }
  }

  /** The filter as Notion takes it, typed from the data source's columns as they are now. */
  function rowFilter(settings: NotionSettings, schema: NotionSchema): NotionRowFilter | null {
    if (!settings.filter) return null;
    const column = findProperty(schema, settings.filter.property);
    if (!column) throw new NotionCallFailed(`the filter's property "${settings.filter.property}" is no longer in the Notion data source: reconnect with another filter`, 'rejected', null, null);
    return { property: column[0], type: column[1].type, equals: settings.filter.equals };
  }

  return {
    /**
     * A Notion connection's sync: rows of the data source edited on or after the stored cursor that
     * meet the filter, oldest edit first, page by page. Each row not yet made into an account is
     * mapped and created through the same service every other path uses (a company Relay has is
     * linked), its outcome recorded by page ID; then "Relay link" and "Relay status" are written
     * back where the data source has them. The cursor moves after each page to the latest edit
     * seen. Notion keeps edit times to the minute, so rows at the cursor's minute come back on the
     * next run; they are recognised by page ID and cost no write.
     */
    async syncNotionRows(input: ConnectorSyncInput): Promise<NotionSyncResult> {
      const row = await getConnectionById(deps.db, input.orgId, input.connectionId);
      if (!row) throw ApplicationFailure.create({ type: FAILURE_TYPES.connectionMissing, message: 'the Notion connection was removed', nonRetryable: true });
      const result: NotionSyncResult = { found: 0, started: 0, cursor: row.cursor, created: 0, linked: 0, failed: 0, writtenBack: 0 };
      if (row.status === 'paused' || row.status === 'disconnected') return result;
      const settings = notionSettingsOf(row);
      const notion: NotionDatabase = createNotionDatabase({ token: notionSecretsOf(secretBox, row).token, baseUrl: deps.notionBaseUrl });
      const context = Context.current();
      const { orgId, connectionId } = input;
      const started = Date.now();
      let writeBackProblem: string | null = null;

      /** One row → at most one account: locked by page ID, re-read, created and recorded in one transaction. */
      const importRow = (notionRow: NotionRow): Promise<RowResult> => deps.db.transaction(async (tx) => {
        await lockConnectorRecord(tx, connectionId, notionRow.id);
        const seen = await getConnectorRecord(tx, connectionId, notionRow.id);
        if (seen?.accountId && (seen.outcome === 'created' || seen.outcome === 'linked')) return { outcome: seen.outcome, accountId: seen.accountId, reason: null, fresh: false };
        const record = async (outcome: SyncOutcome, accountId: string | null, reason: string | null): Promise<RowResult> => {
          await recordConnectorOutcome(tx, { connectionId, orgId, externalId: notionRow.id, outcome, accountId, recordUrl: notionRow.url, companyUrl: null, reason });
          return { outcome, accountId, reason, fresh: true };
        };
        let body: Record<string, unknown>;
        try {
          body = accountFromNotionRow(notionRow, settings);
        } catch (error) {
          if (error instanceof NotRowMappable) return record('failed', null, error.message);
          throw error;
        }
        try {
          const created = await createAccount({ db: tx, temporal: context.client, taskQueue: context.info.taskQueue }, orgId, body);
          return await record('created', created.id, null);
        } catch (error) {
          if (!(error instanceof RelayError)) throw error;
          if (error.code === 'conflict' && typeof error.details.existingAccountId === 'string') return record('linked', error.details.existingAccountId, null);
          if (error.code === 'conflict') return record('failed', null, `${error.message} (accounts ${error.details.candidates?.join(', ') ?? ''})`);
          if (error.code === 'validation') {
            const fields = error.details.fields ?? [];
            const reason = fields.some((f) => f.field === 'templateName')
              ? settings.templateProperty
                ? `"${settings.templateProperty}" names the template "${String(body.templateName)}", which this organisation does not have`
                : `no template named "${String(body.templateName)}": choose one in the connection's settings`
              : `the row does not make a valid account: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ') || error.message}`;
            return record('failed', null, reason);
          }
          throw error;
        }
      });

      /** Shows Relay's link and what became of the row on the row itself, where the data source has the properties. */
      const writeBack = async (schema: NotionSchema, notionRow: NotionRow, outcome: RowResult) => {
        const changes = notionWriteBack(schema, notionRow, {
          outcome: outcome.outcome, reason: outcome.reason, accountUrl: outcome.accountId ? `${deps.publicUrl}/accounts/${outcome.accountId}` : null,
        });
        if (!changes) return;
        try {
          await notion.updateRow(notionRow.id, changes);
          result.writtenBack += 1;
        } catch (error) {
          // The account exists either way: a write Notion refuses (no "Update content" capability, an
          // option a status property lacks) is reported on the connection, not retried for ever.
          if (error instanceof NotionCallFailed && (error.kind === 'forbidden' || error.kind === 'rejected' || error.kind === 'not_found')) {
            writeBackProblem = error.message;
            return;
          }
          throw error;
        }
      };

      try {
        const source = await notion.dataSource(settings.dataSourceId);
        const filter = rowFilter(settings, source.properties);
        let editedSince = row.cursor ? new Date(Number(row.cursor)).toISOString() : null;
        let latest = row.cursor ? Number(row.cursor) : null;
        let saved = row.cursor;
        let startCursor: string | undefined;
        // A row is handled once per edit within a run: one Relay's own write-back moved is seen again, and passes.
        const handled = new Set<string>();
        const rowsSeen = new Set<string>();
        for (let page = 0; page < MAX_PAGES && Date.now() - started < RUN_BUDGET_MS; page++) {
          const answer = await notion.queryEditedSince({ dataSourceId: settings.dataSourceId, editedSince, filter, startCursor, pageSize: PAGE_SIZE });
          let fresh = 0;
          for (const notionRow of answer.rows) {
            const key = `${notionRow.id}@${notionRow.lastEditedTime}`;
            if (handled.has(key)) continue;
            handled.add(key);
            fresh += 1;
            const done = await importRow(notionRow);
            if (!rowsSeen.has(notionRow.id)) result.found += 1;
            rowsSeen.add(notionRow.id);
            if (done.fresh) {
              if (done.outcome === 'created') result.created += 1;
              else if (done.outcome === 'linked') result.linked += 1;
              else if (done.outcome === 'failed') result.failed += 1;
            }
            await writeBack(source.properties, notionRow, done);
            const edited = Date.parse(notionRow.lastEditedTime);
            if (Number.isFinite(edited) && (latest === null || edited > latest)) latest = edited;
            context.heartbeat({ page, rows: result.found });
          }
          if (latest !== null && String(latest) !== saved) {
            // Every row before the latest edit seen has been handled (oldest first); rows at its minute come again.
            await advanceConnectionCursor(deps.db, orgId, connectionId, String(latest));
            saved = String(latest);
          }
          context.heartbeat({ page, rows: result.found });
          if (answer.next) {
            startCursor = answer.next;
          } else if (answer.incomplete && fresh > 0 && latest !== null) {
            // Notion's per-query result limit: a new query from the latest edit seen has a budget of its own.
            editedSince = new Date(latest).toISOString();
            startCursor = undefined;
          } else {
            break;
          }
        }
        result.cursor = saved;
      } catch (error) {
        throw await notionFailure(error, orgId, connectionId);
      }
      result.started = result.created + result.linked;
      const problem = writeBackProblem as string | null;
      if (problem) await setConnectionState(deps.db, orgId, connectionId, { lastError: `Relay could not write its link or status back to Notion: ${problem}`, lastRunAt: new Date() });
      else if (row.status === 'needs_reauth' || row.lastError) await setConnectionState(deps.db, orgId, connectionId, { status: 'active', lastError: null, lastRunAt: new Date() });
      else await setConnectionState(deps.db, orgId, connectionId, { lastRunAt: new Date() });
      return result;
    },
  };
}

export type NotionConnectorActivities = ReturnType<typeof createNotionConnectorActivities>;
