import { bigint, boolean, index, pgTable, text, unique } from 'drizzle-orm/pg-core';
import { LIFECYCLE_STATUSES } from '../../domain/lifecycle.ts';

/** A counter's key (organisation, CSM, status, health) and its figures: the counters' columns, and the deltas' after the transaction. */
const countedColumns = () => ({
  orgId: text('org_id').notNull(),
  csmUserId: text('csm_user_id'),
  status: text('status', { enum: LIFECYCLE_STATUSES }).notNull(),
  healthBad: boolean('health_bad').notNull(),
  accounts: bigint('accounts', { mode: 'number' }).notNull(),
  arr: bigint('arr', { mode: 'number' }).notNull(),
});

/**
 * Accounts and their ARR per organisation, CSM (null: unassigned), status and whether the current
 * health tier is At risk or Critical: what the accounts list's tabs and portfolio header show for
 * its common views (everyone's, one CSM's), read without counting accounts (issue 13).
 *
 * Written only by the database triggers of migration 0015 on `accounts` and `account_health`, in
 * the writer's own transaction, so every path (workflow projections, edits, CSV import, COPY,
 * scoring) keeps it right. Rows that fall to zero stay: there are at most orgs × (CSMs + 1) × 5 × 2
 * of them, and keeping them saves an insert and a delete (and their dead tuples) each time an
 * account moves in and out of a bucket. No foreign keys: the rows are derived from rows that
 * already satisfy them, and a key check per counter write would only add cost.
 */
export const accountCounters = pgTable('account_counters', countedColumns(), (t) => [
  // The triggers' upsert target; an unassigned account's null CSM is one bucket, not one per row.
  unique('account_counters_key').on(t.orgId, t.csmUserId, t.status, t.healthBad).nullsNotDistinct(),
]);

/**
 * Counter changes made by a transaction that has not committed yet: the triggers add their deltas
 * here, and a deferred trigger folds the transaction's deltas into account_counters as it commits
 * (migration 0015). So a transaction takes the counters' row locks only at its very end, for the
 * moment of its commit, in one sorted upsert: never while it goes on to lock accounts, wait on
 * another writer, or signal Temporal (a scoring batch does, after saving its scores). Unlogged:
 * rows live only while their transaction runs, so nothing here needs to survive a crash.
 */
export const accountCounterDeltas = pgTable('account_counter_deltas', {
  /** txid_current() of the writing transaction. */
  txId: bigint('tx_id', { mode: 'number' }).notNull(),
  ...countedColumns(),
}, (t) => [index('account_counter_deltas_tx_idx').on(t.txId)]);
