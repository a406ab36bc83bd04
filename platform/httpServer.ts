import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface RunningHttpServer { port: number; close(): Promise<void> }

/** Listens on `hostname`: loopback unless the caller says otherwise (HOST; containers set 0.0.0.0). */
export function startHttpServer(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname = '127.0.0.1'): Promise<RunningHttpServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}
