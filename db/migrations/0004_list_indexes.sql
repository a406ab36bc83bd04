DROP INDEX "accounts_org_created_idx";--> statement-breakpoint
DROP INDEX "accounts_org_arr_idx";--> statement-breakpoint
DROP INDEX "accounts_org_last_activity_idx";--> statement-breakpoint
DROP INDEX "accounts_org_name_idx";--> statement-breakpoint
CREATE INDEX "accounts_org_status_rank_idx" ON "accounts" USING btree ("org_id",(case "status" when 'pending_handoff' then 0 when 'active' then 1 when 'at_risk' then 2 when 'completed' then 3 when 'churned' then 4 end),"id");--> statement-breakpoint
CREATE INDEX "accounts_org_progress_idx" ON "accounts" USING btree ("org_id",(coalesce("milestones_completed"::float8 / nullif("milestones_total", 0), 0)),"id");--> statement-breakpoint
CREATE INDEX "accounts_org_created_idx" ON "accounts" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "accounts_org_arr_idx" ON "accounts" USING btree ("org_id","arr","id");--> statement-breakpoint
CREATE INDEX "accounts_org_last_activity_idx" ON "accounts" USING btree ("org_id","last_activity_at","id");--> statement-breakpoint
CREATE INDEX "accounts_org_name_idx" ON "accounts" USING btree ("org_id","company_name","id");