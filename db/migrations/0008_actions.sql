CREATE TABLE "account_actions" (
	"account_id" text NOT NULL,
	"action_id" text NOT NULL,
	"org_id" text NOT NULL,
	"milestone_id" text NOT NULL,
	"kind" text NOT NULL,
	"label" text NOT NULL,
	"status" text NOT NULL,
	"blocker" boolean NOT NULL,
	"manual" boolean NOT NULL,
	"due_at" timestamp with time zone,
	"draft_subject" text,
	"draft_body" text,
	"drafter" text,
	"outbox_id" text,
	"note" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "account_actions_account_id_action_id_pk" PRIMARY KEY("account_id","action_id")
);
--> statement-breakpoint
ALTER TABLE "account_actions" ADD CONSTRAINT "account_actions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_actions" ADD CONSTRAINT "account_actions_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_actions_org_status_idx" ON "account_actions" USING btree ("org_id","status");