import type { ConnectionStatus, ConnectorProvider, SyncOutcome } from './connectors.ts';

// How accounts and CRM connections read to people (issue 11): the accounts list's CRM filter and
// column, the account's CRM card and the connectors page share these words. Pure.

/** The accounts list's `crm` filter: a CRM record links the account, none does, or its sync has a problem. */
export const ACCOUNT_CRM_FILTERS = ['linked', 'not_linked', 'sync_error'] as const;
export type AccountCrmFilter = (typeof ACCOUNT_CRM_FILTERS)[number];

export const ACCOUNT_CRM_FILTER_LABELS: Record<AccountCrmFilter, string> = {
  linked: 'Linked to a CRM', not_linked: 'Not linked', sync_error: 'Sync error',
};

export const PROVIDER_LABELS: Record<ConnectorProvider, string> = { hubspot: 'HubSpot', notion: 'Notion' };

export const CONNECTION_STATUS_LABELS: Record<ConnectionStatus, string> = {
  active: 'Active', paused: 'Paused', needs_reauth: 'Needs re-authorisation', disconnected: 'Disconnected',
};

/** What became of a record, said of the account it belongs to. */
export const SYNC_OUTCOME_LABELS: Record<SyncOutcome, string> = {
  created: 'Created this account', linked: 'Linked to this account (the company was already in Relay)', skipped: 'Skipped', failed: 'Failed',
};

/** One CRM record attached to an account, with the state of the connection it came through. */
export interface AccountCrmRecord {
  provider: ConnectorProvider;
  externalId: string;
  outcome: SyncOutcome;
  recordUrl: string | null;
  companyUrl: string | null;
  reason: string | null;
  syncedAt: Date;
  connectionStatus: ConnectionStatus;
  connectionError: string | null;
}

/** A record's sync, in words: synced, or the problem (the record's own reason, or its connection's). */
export interface CrmSyncState { ok: boolean; text: string }

export function crmSyncState(r: Pick<AccountCrmRecord, 'provider' | 'outcome' | 'reason' | 'connectionStatus' | 'connectionError'>): CrmSyncState {
  const provider = PROVIDER_LABELS[r.provider];
  if (r.outcome === 'failed') return { ok: false, text: r.reason ?? `${provider} could not sync this record` };
  if (r.outcome === 'skipped') return { ok: false, text: `Skipped: ${r.reason ?? 'not a record Relay imports'}` };
  if (r.connectionStatus === 'needs_reauth') {
    return { ok: false, text: r.connectionError ?? `${provider} refused Relay's token: reconnect it under Settings → Connectors` };
  }
  if (r.connectionStatus === 'paused') return { ok: true, text: `Synced; the ${provider} connection is paused` };
  if (r.connectionStatus === 'disconnected') return { ok: true, text: `Synced; ${provider} has since been disconnected (links kept for history)` };
  return { ok: true, text: 'Synced' };
}

/** An account's CRM state as one list row shows it. */
export interface ListedCrm {
  provider: ConnectorProvider;
  state: 'linked' | 'sync_error';
  /** The deal (or row) in the CRM. */
  recordUrl: string | null;
  /** The sync error in words; null when linked. */
  problem: string | null;
}

/**
 * One indicator for a row from the account's records (newest first): a problem wins over a link,
 * since that is what someone scanning the list has to act on; null when nothing links the account.
 */
export function listedCrm(records: readonly AccountCrmRecord[]): ListedCrm | null {
  const newestFirst = [...records].sort((a, b) => b.syncedAt.getTime() - a.syncedAt.getTime());
  const failing = newestFirst.find((r) => r.outcome === 'failed' || (isLink(r.outcome) && r.connectionStatus === 'needs_reauth'));
  if (failing) return { provider: failing.provider, state: 'sync_error', recordUrl: failing.recordUrl, problem: crmSyncState(failing).text };
  const link = newestFirst.find((r) => isLink(r.outcome));
  return link ? { provider: link.provider, state: 'linked', recordUrl: link.recordUrl, problem: null } : null;
}

/** Outcomes that tie a record to an account (the others never hold one for long). */
export const isLink = (outcome: SyncOutcome): boolean => outcome === 'created' || outcome === 'linked';

/** A connection's cursor as a time: HubSpot keeps milliseconds, Notion an ISO timestamp; null when unreadable. */
export function cursorTime(cursor: string | null): Date | null {
  if (!cursor) return null;
  const at = /^\d+$/.test(cursor) ? new Date(Number(cursor)) : new Date(cursor);
  return Number.isNaN(at.getTime()) ? null : at;
}
