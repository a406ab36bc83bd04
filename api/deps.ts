import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import type { RelayMetrics } from '../platform/metrics.ts';
import type { Readiness } from '../platform/readiness.ts';
import type { SecretBox } from '../platform/secretBox.ts';
import type { UpdateTimeouts } from '../services/workflowUpdates.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import type { UserRole } from '../domain/users.ts';

export interface AppDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
  /** Which dependencies answer right now, in bounded time; /api/ready reports it. */
  checkReadiness(): Promise<Readiness>;
  /** True once the process is draining for shutdown: readiness answers 503 so balancers stop sending. */
  isShuttingDown?: () => boolean;
  /** The process's Prometheus registry (GET /metrics); without it the app keeps one of its own. */
  metrics?: RelayMetrics;
  historyLimit?: number;
  /** How long account actions wait for a worker (default: services/workflowUpdates.ts). */
  updateTimeouts?: UpdateTimeouts;
  /** Serve the dev outbox pages: only in explicit development mode (`npm start`), without a mail provider, never in production. */
  devOutbox: boolean;
  /** Handoff-link lookups allowed per client address per window (default 30 a minute). */
  handoffRateLimit?: { limit: number; windowMs: number };
  /** Sign-in link requests allowed per client address per window (default 10 a minute). */
  signInRateLimit?: { limit: number; windowMs: number };
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy?: boolean;
  /** Sign-in links and the dashboard's notifications go through the same mailer as the worker's. */
  mailer: Mailer;
  /** Base of links in emails. */
  publicUrl: string;
  /** Mark cookies Secure (everywhere but plain-http development). */
  secureCookies: boolean;
  /** Seals connector secrets (key from RELAY_SECRET); without it, connecting a CRM answers 503. */
  secretBox?: SecretBox;
  /** HUBSPOT_BASE_URL (tests: the fake): where the API asks HubSpot directly (a backfill's preview). */
  hubspotBaseUrl?: string;
  /** HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET: the OAuth app behind "Connect with HubSpot" (absent: private-app tokens only). */
  hubspotOAuth?: { clientId: string; clientSecret: string };
  /** NOTION_BASE_URL (tests: the fake): where connecting Notion checks the token and the database. */
  notionBaseUrl?: string;
}

export interface SessionUser { id: string; orgId: string; email: string; name: string; role: UserRole }

export type DashboardEnv = { Variables: { user: SessionUser; csrfToken: string; sessionId: string } };

export type ApiEnv = { Variables: { orgId: string } };
