import { Hono } from 'hono';
import type { AppDeps, DashboardEnv } from '../../deps.ts';

// Placeholder: its pages land in their own change.
export function usersRoutes(_deps: AppDeps) {
  return new Hono<DashboardEnv>();
}
