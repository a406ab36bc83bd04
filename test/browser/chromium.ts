import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../platform/temporalCli.ts';
import { startHttpServer, type RunningHttpServer } from '../../platform/httpServer.ts';
import { afterAll, beforeAll } from 'vitest';
import { createHarness, type Harness } from '../harness.ts';

/** Debian's Chromium unless CI found another; `.ci/run` and scripts/ensure-browser.sh provide it. */
export const CHROMIUM_PATH = process.env.RELAY_CHROMIUM_PATH || '/usr/bin/chromium';

const SCREENSHOTS = join(PROJECT_ROOT, 'test-artifacts', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // No sandbox: CI runs as root in a container. The rest keeps Chromium from phoning home mid-test.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export interface ServedApp { baseUrl: string; close(): Promise<void> }

/** The harness's app on a real socket, so the browser talks HTTP to it like a user would. */
export async function serveApp(h: Harness): Promise<ServedApp> {
  const server: RunningHttpServer = await startHttpServer(h.app.fetch, 0, '127.0.0.1');
  return { baseUrl: `http://127.0.0.1:${server.port}`, close: () => server.close() };
}

/** Links in emails point at the public URL; in tests they are opened against the served app. */
export function onServedApp(link: string, app: ServedApp): string {
  const url = new URL(link);
  return `${app.baseUrl}${url.pathname}${url.search}`;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface BrowserSession { h: Harness; browser: Browser; served: ServedApp }

/** One harness (real Temporal and Postgres), served over HTTP, and one Chromium, per test file. */
export function useBrowserSession(): BrowserSession {
  const session = {} as BrowserSession;
  beforeAll(async () => {
    session.h = await createHarness();
    session.served = await serveApp(session.h);
    session.browser = await launchChromium();
  });
  afterAll(async () => {
    await session.browser?.close();
    await session.served?.close();
    await session.h?.close();
  });
  return session;
}
