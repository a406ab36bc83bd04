-- Ingestion's write path (issue 10's rate goal, measured by npm run bench -- healthScoring).
-- 1. No foreign keys on the rollups and the rescore queue. Every new rollup row fired two RI checks,
--    and each took FOR KEY SHARE on the same organisations row and on the account: half the cost of
--    the rollup upsert, and a shared row lock (a MultiXact) every concurrent batch contends on.
--    Accounts and organisations are never deleted, and the only writers put IDs they have just read
--    from accounts or account_domains in the same transaction (services/events, services/health).
ALTER TABLE "account_event_days" DROP CONSTRAINT IF EXISTS "account_event_days_org_id_organisations_id_fk";--> statement-breakpoint
ALTER TABLE "account_event_days" DROP CONSTRAINT IF EXISTS "account_event_days_account_id_accounts_id_fk";--> statement-breakpoint
ALTER TABLE "health_rescore_queue" DROP CONSTRAINT IF EXISTS "health_rescore_queue_account_id_accounts_id_fk";--> statement-breakpoint
ALTER TABLE "health_rescore_queue" DROP CONSTRAINT IF EXISTS "health_rescore_queue_org_id_organisations_id_fk";--> statement-breakpoint
-- 2. The raw events' one index on every row, narrowed: account IDs are unique across organisations,
--    so the organisation need not lead the key (queries still filter on it), and unmatched rows have
--    their own partial indexes. A third less to write per event.
DROP INDEX IF EXISTS "events_org_account_occurred_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "events_account_occurred_idx" ON "events" USING btree ("account_id","occurred_at") WHERE "account_id" is not null;
--> statement-breakpoint
-- 3. Rollup increments as plain inserts (db/schema/events.ts accountEventDayDeltas), folded into
--    account_event_days by scoring before it reads them: concurrent batches no longer wait on each
--    other's rollup rows, and many batches' increments of one row become one update.
CREATE TABLE IF NOT EXISTS "account_event_day_deltas" (
	"org_id" text NOT NULL,
	"account_id" text NOT NULL,
	"day" date NOT NULL,
	"event_type" text NOT NULL,
	"count" integer NOT NULL
);
