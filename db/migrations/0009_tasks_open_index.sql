-- Health scoring counts each account's open and overdue tasks for batches of a thousand accounts
-- (db/repositories/accountWork.ts taskCountsByAccount): with the columns it reads in the index, that
-- is an index-only scan instead of a read of every task ever created (found by npm run bench healthScoring).
CREATE INDEX "tasks_account_open_idx" ON "tasks" USING btree ("org_id","account_id") INCLUDE ("completed_at","due_date");
