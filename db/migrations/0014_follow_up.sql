-- Daily Follow-Up (issue 14): what each person dismissed or snoozed, by item key (db/schema/followUp.ts).
CREATE TABLE "follow_up_states" (
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"item_key" text NOT NULL,
	"dismissed_at" timestamp with time zone,
	"snoozed_until" date,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "follow_up_states_org_id_user_id_item_key_pk" PRIMARY KEY("org_id","user_id","item_key")
);
--> statement-breakpoint
ALTER TABLE "follow_up_states" ADD CONSTRAINT "follow_up_states_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_up_states" ADD CONSTRAINT "follow_up_states_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;
