import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { RelayMetrics } from './metrics.ts';

export interface RunningHttpServer {
  port: number;
  /**
   * Stops accepting connections at once and resolves when the requests in flight are answered (idle
   * keep-alive connections are closed, busy ones close after their answer). Past `graceMs` the
   * connections still open are cut. Without `graceMs`, it waits as long as they take.
   */
  close(opts?: { graceMs?: number }): Promise<void>;
  /** Requests being answered now. */
  inFlight(): number;
}

/** Listens on `hostname`: loopback unless the caller says otherwise (HOST; containers set 0.0.0.0). */
export function startHttpServer(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname = '127.0.0.1'): Promise<RunningHttpServer> {
  let active = 0;
  let closing = false;
  const counted = async (request: Request): Promise<Response> => {
    active++;
    try {
      const response = await fetch(request);
      // While draining, a keep-alive client is told to reconnect elsewhere rather than reuse this socket.
      if (closing && !response.headers.has('connection')) {
        try { response.headers.set('connection', 'close'); } catch { /* immutable headers: the socket closes anyway */ }
      }
      return response;
    } finally {
      active--;
    }
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: counted, port, hostname }, (info: AddressInfo) => {
      const http = server as Server;
      resolve({
        port: info.port,
        inFlight: () => active,
        close: (opts = {}) => new Promise<void>((done) => {
          closing = true;
          const cut = opts.graceMs === undefined ? null : setTimeout(() => http.closeAllConnections(), opts.graceMs);
          cut?.unref();
          http.close(() => {
            if (cut) clearTimeout(cut);
            done();
          });
          http.closeIdleConnections();
          // Connections that were busy when close() was called become idle after their answer: close those too.
          const sweep = setInterval(() => http.closeIdleConnections(), 100);
          sweep.unref();
          http.once('close', () => clearInterval(sweep));
        }),
      });
    });
    server.once('error', reject);
  });
}

/**
 * A worker's small HTTP listener for operators: /livez (the process answers), /readyz (the worker
 * polls its task queue and is not draining) and /metrics (Prometheus; bearer token when set).
 */
export function startOpsServer(opts: {
  port: number; hostname?: string; metrics: RelayMetrics;
  ready(): { ready: boolean; state: string };
}): Promise<RunningHttpServer> {
  const app = new Hono()
    .get('/livez', (c) => c.json({ status: 'ok' }))
    .get('/readyz', (c) => {
      const { ready, state } = opts.ready();
      return c.json({ status: ready ? 'ready' : 'unavailable', worker: state }, ready ? 200 : 503);
    })
    .get('/metrics', async (c) => {
      if (!opts.metrics.allows(c.req.header('authorization'))) return c.text('Unauthorized', 401, { 'WWW-Authenticate': 'Bearer' });
      const { contentType, body } = await opts.metrics.scrape();
      return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
    });
  return startHttpServer(app.fetch, opts.port, opts.hostname);
}
