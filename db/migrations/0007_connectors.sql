CREATE TABLE "connections" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"provider" text NOT NULL,
	"status" text NOT NULL,
	"external_account_id" text NOT NULL,
	"settings" jsonb NOT NULL,
	"sealed_secrets" text NOT NULL,
	"cursor" text,
	"last_run_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connector_records" (
	"connection_id" text NOT NULL,
	"external_id" text NOT NULL,
	"org_id" text NOT NULL,
	"outcome" text NOT NULL,
	"account_id" text,
	"record_url" text,
	"company_url" text,
	"reason" text,
	"attempts" integer DEFAULT 1 NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connector_records_connection_id_external_id_pk" PRIMARY KEY("connection_id","external_id")
);
--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_records" ADD CONSTRAINT "connector_records_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_records" ADD CONSTRAINT "connector_records_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_records" ADD CONSTRAINT "connector_records_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "connections_org_provider_key" ON "connections" USING btree ("org_id","provider");--> statement-breakpoint
CREATE INDEX "connections_provider_external_idx" ON "connections" USING btree ("provider","external_account_id");--> statement-breakpoint
CREATE INDEX "connector_records_account_idx" ON "connector_records" USING btree ("org_id","account_id");--> statement-breakpoint
CREATE INDEX "connector_records_recent_idx" ON "connector_records" USING btree ("connection_id","synced_at");