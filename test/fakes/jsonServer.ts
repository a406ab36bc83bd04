import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopbackServer.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when there was none or it was not JSON). */
  body: unknown;
}

/** What a fake does with one request. */
export type FakeReply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  /** Never answers: the client's own timeout must give up. */
  | { kind: 'hang' }
  /** Closes the connection without a response. */
  | { kind: 'drop' };

export const reply = {
  json: (status: number, body: unknown, headers?: Record<string, string>): FakeReply => ({ kind: 'json', status, body, ...(headers ? { headers } : {}) }),
  hang: (): FakeReply => ({ kind: 'hang' }),
  drop: (): FakeReply => ({ kind: 'drop' }),
};

export interface JsonServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A real HTTP server on a free port that records every request and lets `handle` choose the reply. */
export async function startJsonServer(handle: (req: RecordedRequest) => FakeReply): Promise<JsonServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: await readJson(req) };
    requests.push(recorded);
    const answer = handle(recorded);
    if (answer.kind === 'hang') return;
    if (answer.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  });
  const listening = await listenOnLoopback(server);
  return { url: listening.url, requests, close: listening.close };
}
