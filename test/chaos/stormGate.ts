import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../fakes/loopbackServer.ts';

/**
 * A pass-through HTTP proxy in front of a provider fake (test/fakes/): the workers' real SDKs talk to
 * the gate, which forwards every request to the fake, except during a storm, when it answers each
 * request itself with a 5xx or a 429 in the provider's own error format (a provider outage or rate
 * limiting, as the SDK sees it). The fakes stay untouched, and so does what they record.
 */
export interface StormGate {
  /** The gate's origin (http://127.0.0.1:port): use it where the fake's own origin would go. */
  url: string;
  /** Answers every request with an error until `calm()`. */
  storm(): void;
  calm(): void;
  /** Requests answered with an error by the gate, by status. */
  stormAnswers: Map<number, number>;
  /** Answers the fake gave to forwarded requests, by status. */
  forwardedAnswers: Map<number, number>;
  close(): Promise<void>;
}

/** What the provider says when it is down or rate-limiting: status, JSON body, headers. */
export type StormAnswer = () => { status: number; body: unknown; headers?: Record<string, string> };

const bump = (counts: Map<number, number>, status: number) => counts.set(status, (counts.get(status) ?? 0) + 1);

export async function startStormGate(targetUrl: string, stormAnswer: StormAnswer): Promise<StormGate> {
  const target = new URL(targetUrl);
  let storming = false;
  const stormAnswers = new Map<number, number>();
  const forwardedAnswers = new Map<number, number>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (storming) {
      req.resume();
      const answer = stormAnswer();
      bump(stormAnswers, answer.status);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const upstream = httpRequest({
      host: target.hostname, port: target.port, method: req.method, path: req.url,
      headers: { ...req.headers, host: target.host },
    }, (answer) => {
      bump(forwardedAnswers, answer.statusCode ?? 0);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    // The fake dropped the connection (or is gone): so does the gate.
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  const listening = await listenOnLoopback(server);
  return {
    url: listening.url,
    storm: () => { storming = true; },
    calm: () => { storming = false; },
    stormAnswers,
    forwardedAnswers,
    // A gate already closed (a test's clean-up after a failure) is no error.
    close: () => listening.close().catch(() => undefined),
  };
}

/** One of 500, 502, 503 or a 429 with a short retry-after, in turn, each in `format`. */
export function stormOf(format: (status: number) => { body: unknown; headers?: Record<string, string> }): StormAnswer {
  const statuses = [500, 429, 503, 429, 502];
  let next = 0;
  return () => {
    const status = statuses[next++ % statuses.length]!;
    const { body, headers } = format(status);
    return { status, body, headers: { ...headers, ...(status === 429 ? { 'retry-after': '1' } : {}) } };
  };
}
