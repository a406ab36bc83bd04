import { ServiceError } from '@temporalio/client';
import { getConnection, setConnectionState, upsertConnection, type ConnectionRow } from '../../db/repositories/connectors.ts';
import { fieldErrors, type FieldError } from '../../domain/accountInput.ts';
import {
  notionConnectionSchema, notionIdOf, notionSettingsProblems, type NotionSecrets, type NotionSettings,
} from '../../domain/notionConnector.ts';
import { createNotionDatabase, NotionCallFailed, type NotionDataSource } from '../../integrations/notion/notionDatabase.ts';
import type { SecretBox } from '../../platform/secretBox.ts';
import { RelayError, workflowEngineUnavailable } from '../errors.ts';
import { connectionView, ensureConnectorSchedule, type ConnectorDeps } from './hubspot.ts';

export interface NotionConnectorDeps extends ConnectorDeps {
  /** NOTION_BASE_URL (tests: the fake): where connecting asks Notion about the database. */
  notionBaseUrl?: string | undefined;
}

/** What sealed secrets are bound to (secretBox's associated data): a Notion connection's token opens nowhere else. */
export const NOTION_SECRETS_PURPOSE = 'connector:notion';

export function notionSettingsOf(row: ConnectionRow): NotionSettings {
  return row.settings as unknown as NotionSettings;
}

export function notionSecretsOf(secretBox: SecretBox, row: ConnectionRow): NotionSecrets {
  return JSON.parse(secretBox.open(row.sealedSecrets, NOTION_SECRETS_PURPOSE)) as NotionSecrets;
}

const invalid = (fields: FieldError[]) => new RelayError('validation', 'the Notion connection has invalid fields', { fields });

/** Asks Notion once what the pasted ID is, so a wrong token or database is a 400 naming it, not a sync failing later. */
async function resolveDatabase(deps: NotionConnectorDeps, token: string, databaseId: string): Promise<NotionDataSource> {
  try {
    return await createNotionDatabase({ token, baseUrl: deps.notionBaseUrl }).resolve(databaseId);
  } catch (error) {
    if (!(error instanceof NotionCallFailed)) throw error;
    switch (error.kind) {
      case 'unauthorized': throw invalid([{ field: 'token', message: `Notion refused this token (${error.status ?? 401}): check it is the internal integration's secret` }]);
      case 'forbidden': throw invalid([{ field: 'token', message: 'the integration may not read content: give it the "Read content" capability in Notion' }]);
      case 'not_found': case 'rejected':
        throw invalid([{ field: 'databaseId', message: 'no database (or data source) with this ID is shared with the integration: open the database in Notion, then ••• → Connections → add the integration' }]);
      default: {
        const unavailable = new RelayError('unavailable', `Notion did not answer (${error.message}); nothing was changed. Try again in a moment.`);
        unavailable.cause = error;
        throw unavailable;
      }
    }
  }
}

/**
 * `PUT /api/connectors/notion`: checks the token, the database and the property mapping against
 * Notion's own view of the data source, then stores the connection (token sealed) and its polling
 * schedule (`connector-<connectionId>`). Reconnected to another data source, or with another filter
 * or mapping, the sync starts again from the first row: rows already made into accounts stay done.
 */
export async function connectNotion(deps: NotionConnectorDeps, orgId: string, body: unknown) {
  const parsed = notionConnectionSchema.safeParse(body);
  if (!parsed.success) throw invalid(fieldErrors(parsed.error));
  if (!deps.secretBox) throw new RelayError('unavailable', 'connectors need RELAY_SECRET to encrypt their tokens; it is not configured');
  const { token, databaseId, mapping, filter, templateName, templateProperty, intervalMinutes } = parsed.data;
  const source = await resolveDatabase(deps, token, notionIdOf(databaseId)!);
  const problems = notionSettingsProblems(parsed.data, source.properties);
  if (problems.length) throw invalid(problems);

  const settings: NotionSettings = {
    databaseId: source.databaseId, dataSourceId: source.dataSourceId, databaseTitle: source.title, mapping,
    filter: filter ?? null, templateName, templateProperty: templateProperty ?? null, intervalMinutes,
  };
  const previous = await getConnection(deps.db, orgId, 'notion');
  const secrets: NotionSecrets = { token };
  let row = await upsertConnection(deps.db, {
    orgId, provider: 'notion', externalAccountId: source.databaseId, settings: settings as unknown as Record<string, unknown>,
    sealedSecrets: deps.secretBox.seal(JSON.stringify(secrets), NOTION_SECRETS_PURPOSE),
  });
  if (previous?.cursor) {
    const before = notionSettingsOf(previous);
    const sameRows = before.dataSourceId === settings.dataSourceId && JSON.stringify(before.filter) === JSON.stringify(settings.filter)
      && JSON.stringify(before.mapping) === JSON.stringify(settings.mapping) && before.templateProperty === settings.templateProperty;
    if (!sameRows) {
      await setConnectionState(deps.db, orgId, row.id, { cursor: null });
      row = { ...row, cursor: null };
    }
  }
  try {
    await deps.temporal.withDeadline(Date.now() + 5_000, () => ensureConnectorSchedule(deps, row, intervalMinutes));
  } catch (error) {
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
  return connectionView(deps.db, row);
}

