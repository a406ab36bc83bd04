-- Events in (issue 10): write keys, raw events partitioned by month, the dedupe table, daily
-- per-account rollups, unmatched counts and learned identities. Written by hand: drizzle-kit cannot
-- declare a partitioned table (db/schema/events.ts describes its columns for queries).
CREATE TABLE "write_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "write_keys" ADD CONSTRAINT "write_keys_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "write_keys_key_hash_key" ON "write_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "write_keys_org_idx" ON "write_keys" USING btree ("org_id","created_at");--> statement-breakpoint
-- Append-only, one partition per UTC month of occurred_at. No primary key and no foreign keys: the
-- dedupe table below guarantees one row per (org, message key), and nothing but the ingestion
-- service writes here.
CREATE TABLE "events" (
	"org_id" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"message_key" text NOT NULL,
	"source" text NOT NULL,
	"type" text NOT NULL,
	"account_id" text,
	"group_domain" text,
	"email_domain" text,
	"user_id" text,
	"properties" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
) PARTITION BY RANGE ("occurred_at");
--> statement-breakpoint
CREATE INDEX "events_org_account_occurred_idx" ON "events" USING btree ("org_id","account_id","occurred_at");--> statement-breakpoint
CREATE INDEX "events_unmatched_group_domain_idx" ON "events" USING btree ("org_id","group_domain") WHERE "account_id" is null and "group_domain" is not null;--> statement-breakpoint
CREATE INDEX "events_unmatched_email_domain_idx" ON "events" USING btree ("org_id","email_domain") WHERE "account_id" is null and "email_domain" is not null;--> statement-breakpoint
-- The month's partition (events_YYYY_MM, [first day, first day of the next month) in UTC), made if
-- missing. The ingestion service calls it for each month a batch touches before it writes (once per
-- month per process); a concurrent caller that made it first is no error.
CREATE FUNCTION "ensure_events_partition"("month" date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	first_day date := date_trunc('month', "month")::date;
	partition_name text := format('events_%s', to_char(first_day, 'YYYY_MM'));
BEGIN
	IF to_regclass(format('public.%I', partition_name)) IS NOT NULL THEN
		RETURN;
	END IF;
	EXECUTE format('CREATE TABLE IF NOT EXISTS public.%I PARTITION OF public.events FOR VALUES FROM (%L) TO (%L)',
		partition_name, to_char(first_day, 'YYYY-MM-DD') || ' 00:00:00+00', to_char((first_day + interval '1 month')::date, 'YYYY-MM-DD') || ' 00:00:00+00');
EXCEPTION WHEN duplicate_table OR unique_violation THEN
	NULL;
END;
$$;
--> statement-breakpoint
-- Last month to two months ahead, so the first events need no DDL.
SELECT "ensure_events_partition"((date_trunc('month', now()) + make_interval(months => m))::date) FROM generate_series(-1, 2) AS m;--> statement-breakpoint
CREATE TABLE "event_message_keys" (
	"org_id" text NOT NULL,
	"message_key" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "event_message_keys_org_id_message_key_pk" PRIMARY KEY("org_id","message_key")
);
--> statement-breakpoint
CREATE TABLE "account_event_days" (
	"org_id" text NOT NULL,
	"account_id" text NOT NULL,
	"day" date NOT NULL,
	"event_type" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "account_event_days_org_id_account_id_day_event_type_pk" PRIMARY KEY("org_id","account_id","day","event_type")
);
--> statement-breakpoint
ALTER TABLE "account_event_days" ADD CONSTRAINT "account_event_days_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_event_days" ADD CONSTRAINT "account_event_days_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE TABLE "unmatched_event_domains" (
	"org_id" text NOT NULL,
	"kind" text NOT NULL,
	"domain" text NOT NULL,
	"events" integer NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unmatched_event_domains_org_id_kind_domain_pk" PRIMARY KEY("org_id","kind","domain")
);
--> statement-breakpoint
ALTER TABLE "unmatched_event_domains" ADD CONSTRAINT "unmatched_event_domains_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "unmatched_event_domains_org_last_seen_idx" ON "unmatched_event_domains" USING btree ("org_id","last_seen_at");--> statement-breakpoint
CREATE TABLE "event_identities" (
	"org_id" text NOT NULL,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"external_id" text NOT NULL,
	"domain" text,
	"group_id" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_identities_org_id_source_kind_external_id_pk" PRIMARY KEY("org_id","source","kind","external_id")
);
--> statement-breakpoint
ALTER TABLE "event_identities" ADD CONSTRAINT "event_identities_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;
