-- Milestone due dates (issue 14): each milestone's due day from the plan, kept by the milestone
-- projections (domain/milestonePlan.ts), so the list's "behind plan" filter is an indexed predicate.
ALTER TABLE "account_milestones" ADD COLUMN "due_on" date;--> statement-breakpoint
CREATE INDEX "account_milestones_org_open_due_idx" ON "account_milestones" USING btree ("org_id","due_on","account_id") WHERE "account_milestones"."completed_at" is null;--> statement-breakpoint
-- Existing accounts: the same rule as domain/milestonePlan.ts. The plan starts on the day onboarding
-- started (the earliest milestone start); each milestone is due its duration after the previous one's
-- due day, or after its completion day when that was later.
WITH RECURSIVE "ordered" AS (
  SELECT "id", "account_id", "duration_days", "completed_at",
    row_number() OVER (PARTITION BY "account_id" ORDER BY "sequence") AS "n",
    min("started_at") OVER (PARTITION BY "account_id") AS "plan_start"
  FROM "account_milestones"
), "plan" AS (
  SELECT "id", "account_id", "n", "completed_at",
    (("plan_start" AT TIME ZONE 'UTC')::date + greatest("duration_days", 0)) AS "due_on"
  FROM "ordered" WHERE "n" = 1 AND "plan_start" IS NOT NULL
  UNION ALL
  SELECT o."id", o."account_id", o."n", o."completed_at",
    (greatest(p."due_on", (p."completed_at" AT TIME ZONE 'UTC')::date) + greatest(o."duration_days", 0)) AS "due_on"
  FROM "plan" p JOIN "ordered" o ON o."account_id" = p."account_id" AND o."n" = p."n" + 1
)
UPDATE "account_milestones" SET "due_on" = "plan"."due_on" FROM "plan" WHERE "account_milestones"."id" = "plan"."id";--> statement-breakpoint
-- Tasks get an owner and a priority; existing tasks go to their account's CSM, at normal priority.
ALTER TABLE "tasks" ADD COLUMN "assignee_user_id" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "priority" text DEFAULT 'normal' NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_assignee_user_id_users_id_fk" FOREIGN KEY ("assignee_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
UPDATE "tasks" SET "assignee_user_id" = a."csm_user_id" FROM "accounts" a WHERE a."id" = "tasks"."account_id" AND a."org_id" = "tasks"."org_id";--> statement-breakpoint
CREATE INDEX "tasks_org_assignee_open_idx" ON "tasks" USING btree ("org_id","assignee_user_id","due_date") WHERE "tasks"."completed_at" is null;
