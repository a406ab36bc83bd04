CREATE TABLE "account_health" (
	"account_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"score" smallint,
	"tier" text,
	"factors" jsonb NOT NULL,
	"excluded" jsonb NOT NULL,
	"config_version" integer NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"previous_tier" text,
	"tier_since" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_health_days" (
	"org_id" text NOT NULL,
	"account_id" text NOT NULL,
	"day" date NOT NULL,
	"score" smallint NOT NULL,
	"factor_scores" jsonb NOT NULL,
	"config_version" integer NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "account_health_days_account_id_day_pk" PRIMARY KEY("account_id","day")
);
--> statement-breakpoint
CREATE TABLE "account_pulses" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"account_id" text NOT NULL,
	"score" smallint NOT NULL,
	"note" text NOT NULL,
	"set_by_user_id" text,
	"set_by" text NOT NULL,
	"set_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_threads" (
	"org_id" text NOT NULL,
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"thread_key" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "account_threads_account_id_kind_thread_key_pk" PRIMARY KEY("account_id","kind","thread_key")
);
--> statement-breakpoint
CREATE TABLE "health_configs" (
	"org_id" text NOT NULL,
	"version" integer NOT NULL,
	"config" jsonb NOT NULL,
	"created_by_user_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "health_configs_org_id_version_pk" PRIMARY KEY("org_id","version")
);
--> statement-breakpoint
CREATE TABLE "health_rescore_queue" (
	"account_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "org_event_types" (
	"org_id" text NOT NULL,
	"event_type" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "org_event_types_org_id_event_type_pk" PRIMARY KEY("org_id","event_type")
);
--> statement-breakpoint
ALTER TABLE "account_health" ADD CONSTRAINT "account_health_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_health" ADD CONSTRAINT "account_health_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_health_days" ADD CONSTRAINT "account_health_days_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_health_days" ADD CONSTRAINT "account_health_days_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_pulses" ADD CONSTRAINT "account_pulses_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_pulses" ADD CONSTRAINT "account_pulses_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_pulses" ADD CONSTRAINT "account_pulses_set_by_user_id_users_id_fk" FOREIGN KEY ("set_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_threads" ADD CONSTRAINT "account_threads_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_threads" ADD CONSTRAINT "account_threads_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_configs" ADD CONSTRAINT "health_configs_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_configs" ADD CONSTRAINT "health_configs_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_rescore_queue" ADD CONSTRAINT "health_rescore_queue_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_rescore_queue" ADD CONSTRAINT "health_rescore_queue_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_event_types" ADD CONSTRAINT "org_event_types_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_health_org_score_idx" ON "account_health" USING btree ("org_id","score","account_id");--> statement-breakpoint
CREATE INDEX "account_health_org_tier_idx" ON "account_health" USING btree ("org_id","tier");--> statement-breakpoint
CREATE INDEX "account_health_days_org_day_idx" ON "account_health_days" USING btree ("org_id","day");--> statement-breakpoint
CREATE INDEX "account_pulses_account_idx" ON "account_pulses" USING btree ("org_id","account_id","set_at");--> statement-breakpoint
CREATE INDEX "account_threads_open_idx" ON "account_threads" USING btree ("account_id","kind","opened_at") WHERE "account_threads"."closed_at" is null;--> statement-breakpoint
CREATE INDEX "health_rescore_queue_since_idx" ON "health_rescore_queue" USING btree ("since");