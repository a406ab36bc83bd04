-- Per-organisation account counters and the pending-handoff indexes (issue 13); see the triggers below.
CREATE UNLOGGED TABLE "account_counter_deltas" (
	"tx_id" bigint NOT NULL,
	"org_id" text NOT NULL,
	"csm_user_id" text,
	"status" text NOT NULL,
	"health_bad" boolean NOT NULL,
	"accounts" bigint NOT NULL,
	"arr" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_counters" (
	"org_id" text NOT NULL,
	"csm_user_id" text,
	"status" text NOT NULL,
	"health_bad" boolean NOT NULL,
	"accounts" bigint NOT NULL,
	"arr" bigint NOT NULL,
	CONSTRAINT "account_counters_key" UNIQUE NULLS NOT DISTINCT("org_id","csm_user_id","status","health_bad")
);
--> statement-breakpoint
CREATE INDEX "account_counter_deltas_tx_idx" ON "account_counter_deltas" USING btree ("tx_id");--> statement-breakpoint
CREATE INDEX "accounts_org_pending_created_idx" ON "accounts" USING btree ("org_id","created_at") WHERE "accounts"."status" = 'pending_handoff';--> statement-breakpoint
CREATE INDEX "accounts_org_csm_pending_created_idx" ON "accounts" USING btree ("org_id","csm_user_id","created_at") WHERE "accounts"."status" = 'pending_handoff';
--> statement-breakpoint
-- Per-organisation account counters (issue 13): the accounts list's tabs and portfolio header for its
-- common views read account_counters instead of counting accounts. Every write is counted by triggers
-- in the writer's own transaction, in two steps:
--   1. statement-level triggers with transition tables on accounts and account_health add the
--      statement's deltas, grouped by counter key, to account_counter_deltas (an insert: no lock on
--      any shared row), so a bulk write (a CSV batch, a COPY, a scoring batch of 1,000 health rows)
--      costs one grouped insert;
--   2. a deferred constraint trigger folds the transaction's deltas into account_counters as it
--      commits, in one upsert in the unique key's order.
-- So a transaction holds counter row locks only during its commit, takes them in one order (two
-- writers of one organisation cannot deadlock on them), and never holds them while it waits for
-- anything else: a scoring batch signals Temporal after saving its scores, and holding the counters
-- through that would stall every status change of the organisation behind it.
-- Transition tables cannot go with a column list (`UPDATE OF status, …`), so the update triggers fire
-- on every UPDATE statement and return at once when no counted column changed (the common case:
-- activity, milestones, updated_at).
CREATE FUNCTION "account_counters_rebuild"() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- Recounted from the rows: this transaction's pending deltas are in the count already.
  DELETE FROM account_counter_deltas WHERE tx_id = txid_current();
  DELETE FROM account_counters;
  INSERT INTO account_counters (org_id, csm_user_id, status, health_bad, accounts, arr)
  SELECT a.org_id, a.csm_user_id, a.status, coalesce(h.tier IN ('at_risk', 'critical'), false), count(*), coalesce(sum(a.arr), 0)
  FROM accounts a LEFT JOIN account_health h ON h.account_id = a.id
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
END $$;
--> statement-breakpoint
CREATE FUNCTION "account_counters_accounts_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO account_counter_deltas (tx_id, org_id, csm_user_id, status, health_bad, accounts, arr)
  SELECT txid_current(), n.org_id, n.csm_user_id, n.status, coalesce(h.tier IN ('at_risk', 'critical'), false), count(*), sum(n.arr)
  FROM new_rows n LEFT JOIN account_health h ON h.account_id = n.id
  GROUP BY 2, 3, 4, 5;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "account_counters_accounts_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO account_counter_deltas (tx_id, org_id, csm_user_id, status, health_bad, accounts, arr)
  SELECT txid_current(), o.org_id, o.csm_user_id, o.status, coalesce(h.tier IN ('at_risk', 'critical'), false), -count(*), -sum(o.arr)
  FROM old_rows o LEFT JOIN account_health h ON h.account_id = o.id
  GROUP BY 2, 3, 4, 5;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "account_counters_accounts_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
  WHERE (o.org_id, o.csm_user_id, o.status, o.arr) IS DISTINCT FROM (n.org_id, n.csm_user_id, n.status, n.arr) LIMIT 1;
  IF NOT FOUND THEN RETURN NULL; END IF;
  -- The health tier is the current one on both sides: a tier change is its own statement, whose
  -- trigger moves the account between health buckets under the account's status at that time.
  INSERT INTO account_counter_deltas (tx_id, org_id, csm_user_id, status, health_bad, accounts, arr)
  SELECT txid_current(), d.org_id, d.csm_user_id, d.status, coalesce(h.tier IN ('at_risk', 'critical'), false), sum(d.accounts), sum(d.arr)
  FROM (
    SELECT o.id, o.org_id, o.csm_user_id, o.status, -1 AS accounts, -o.arr AS arr
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE (o.org_id, o.csm_user_id, o.status, o.arr) IS DISTINCT FROM (n.org_id, n.csm_user_id, n.status, n.arr)
    UNION ALL
    SELECT n.id, n.org_id, n.csm_user_id, n.status, 1, n.arr
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE (o.org_id, o.csm_user_id, o.status, o.arr) IS DISTINCT FROM (n.org_id, n.csm_user_id, n.status, n.arr)
  ) d LEFT JOIN account_health h ON h.account_id = d.id
  GROUP BY 2, 3, 4, 5 HAVING sum(d.accounts) <> 0 OR sum(d.arr) <> 0;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "account_counters_health_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids text[];
  was_bad boolean[];
  is_bad boolean[];
BEGIN
  -- Only accounts whose tier crossed the At risk line matter (most rescorings keep the tier).
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(n.account_id), array_agg(false), array_agg(true) INTO ids, was_bad, is_bad
    FROM new_rows n WHERE n.tier IN ('at_risk', 'critical');
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(o.account_id), array_agg(true), array_agg(false) INTO ids, was_bad, is_bad
    FROM old_rows o WHERE o.tier IN ('at_risk', 'critical');
  ELSE
    SELECT array_agg(n.account_id), array_agg(coalesce(o.tier IN ('at_risk', 'critical'), false)), array_agg(coalesce(n.tier IN ('at_risk', 'critical'), false))
    INTO ids, was_bad, is_bad
    FROM old_rows o JOIN new_rows n ON n.account_id = o.account_id
    WHERE coalesce(o.tier IN ('at_risk', 'critical'), false) <> coalesce(n.tier IN ('at_risk', 'critical'), false);
  END IF;
  IF ids IS NULL THEN RETURN NULL; END IF;
  -- The account's bucket (org, CSM, status, ARR) must be the one its own counted writes leave it in:
  -- lock these accounts (in ID order) so a concurrent status, CSM or ARR change either commits first
  -- or waits for this transaction, and read them in the next statement, whose snapshot sees that
  -- change. (The accounts triggers read the tier without a lock: this lock orders the two.)
  PERFORM 1 FROM accounts a WHERE a.id = ANY (ids) ORDER BY a.id FOR SHARE;
  INSERT INTO account_counter_deltas (tx_id, org_id, csm_user_id, status, health_bad, accounts, arr)
  SELECT txid_current(), a.org_id, a.csm_user_id, a.status, d.bad, sum(d.sign), sum(d.sign * a.arr)
  FROM unnest(ids, was_bad, is_bad) AS f(id, was_bad, is_bad)
  JOIN accounts a ON a.id = f.id
  CROSS JOIN LATERAL (VALUES (f.was_bad, -1), (f.is_bad, 1)) AS d(bad, sign)
  GROUP BY 2, 3, 4, 5;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Fires once per delta row at commit; the first firing folds all of the transaction's deltas, the
-- others find none left. Deltas that cancel out (an account moved and moved back) lock nothing.
CREATE FUNCTION "account_counters_fold"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH taken AS (DELETE FROM account_counter_deltas WHERE tx_id = txid_current() RETURNING *)
  INSERT INTO account_counters AS c (org_id, csm_user_id, status, health_bad, accounts, arr)
  SELECT org_id, csm_user_id, status, health_bad, sum(accounts), sum(arr) FROM taken
  GROUP BY 1, 2, 3, 4 HAVING sum(accounts) <> 0 OR sum(arr) <> 0 ORDER BY 1, 2, 3, 4
  ON CONFLICT ON CONSTRAINT account_counters_key DO UPDATE SET accounts = c.accounts + excluded.accounts, arr = c.arr + excluded.arr;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "account_counters_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_counters_rebuild();
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "account_counter_deltas_fold" AFTER INSERT ON "account_counter_deltas"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION account_counters_fold();
--> statement-breakpoint
CREATE TRIGGER "accounts_counters_insert" AFTER INSERT ON "accounts" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_counters_accounts_inserted();
--> statement-breakpoint
CREATE TRIGGER "accounts_counters_update" AFTER UPDATE ON "accounts" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_counters_accounts_updated();
--> statement-breakpoint
CREATE TRIGGER "accounts_counters_delete" AFTER DELETE ON "accounts" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_counters_accounts_deleted();
--> statement-breakpoint
CREATE TRIGGER "accounts_counters_truncate" AFTER TRUNCATE ON "accounts"
  FOR EACH STATEMENT EXECUTE FUNCTION account_counters_truncated();
--> statement-breakpoint
CREATE TRIGGER "account_health_counters_insert" AFTER INSERT ON "account_health" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_counters_health_changed();
--> statement-breakpoint
CREATE TRIGGER "account_health_counters_update" AFTER UPDATE ON "account_health" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_counters_health_changed();
--> statement-breakpoint
CREATE TRIGGER "account_health_counters_delete" AFTER DELETE ON "account_health" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_counters_health_changed();
--> statement-breakpoint
CREATE TRIGGER "account_health_counters_truncate" AFTER TRUNCATE ON "account_health"
  FOR EACH STATEMENT EXECUTE FUNCTION account_counters_truncated();
--> statement-breakpoint
-- The triggers exist (and hold their tables' locks until this migration commits) before the backfill
-- counts, so no write falls between the two.
SELECT account_counters_rebuild();
