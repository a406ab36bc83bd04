import { randomUUID } from 'node:crypto';
import { reply, startJsonServer, type FakeReply, type RecordedRequest } from './jsonServer.ts';

export interface SentEmail {
  id: string;
  idempotencyKey: string | null;
  from: string;
  to: string[];
  replyTo: string[] | null;
  subject: string;
  html: string;
  text: string;
}

/** How the fake treats the next POST /emails (before its usual, honest behaviour). */
export type ResendScript =
  | { kind: 'reply'; reply: FakeReply }
  /** Sends the email (and remembers its idempotency key), then drops the connection unanswered. */
  | { kind: 'acceptThenDrop' };

const resendError = (statusCode: number, name: string, message: string, headers?: Record<string, string>) =>
  reply.json(statusCode, { statusCode, name, message }, headers);

export const resendScript = {
  serverError: (): ResendScript => ({ kind: 'reply', reply: resendError(500, 'internal_server_error', 'An unexpected error occurred.') }),
  rateLimited: (retryAfterSeconds: number): ResendScript => ({
    kind: 'reply', reply: resendError(429, 'rate_limit_exceeded', 'Too many requests. You can only make 2 requests per second.', { 'retry-after': String(retryAfterSeconds) }),
  }),
  acceptThenDrop: (): ResendScript => ({ kind: 'acceptThenDrop' }),
  hang: (): ResendScript => ({ kind: 'reply', reply: reply.hang() }),
};

export interface ResendFake {
  /** What to pass as the SDK's baseUrl (like https://api.resend.com). */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Emails the fake accepted: one per idempotency key, however often a key was sent. */
  sent: SentEmail[];
  /** Scripted behaviour for the next POST /emails requests, in order. */
  once(...next: ResendScript[]): void;
  close(): Promise<void>;
}

const asList = (v: unknown): string[] | null => (typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null);

/**
 * A Resend API stand-in for POST /emails: checks the key and the required fields as Resend does
 * (422 validation_error), and honours Idempotency-Key: the same key with the same body answers the
 * first id without sending again; the same key with another body is a 409.
 */
export async function startResendFake(opts: { apiKey: string }): Promise<ResendFake> {
  const sent: SentEmail[] = [];
  const byKey = new Map<string, { id: string; body: string }>();
  const queued: ResendScript[] = [];

  function accept(body: Record<string, unknown>, key: string | null): { id: string } | FakeReply {
    const from = typeof body.from === 'string' ? body.from : '';
    const to = asList(body.to);
    if (!from || !/@/.test(from)) return resendError(422, 'validation_error', 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.');
    if (!to?.length || to.some((a) => !/^[^@\s]+@[^@\s]+$/.test(a))) return resendError(422, 'validation_error', 'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.');
    if (typeof body.subject !== 'string' || !body.subject) return resendError(422, 'missing_required_field', 'Missing `subject` field.');
    const canonical = JSON.stringify(body);
    if (key) {
      const earlier = byKey.get(key);
      if (earlier && earlier.body !== canonical) {
        return resendError(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload. Change your idempotency key or payload.');
      }
      if (earlier) return { id: earlier.id };
    }
    const id = randomUUID();
    if (key) byKey.set(key, { id, body: canonical });
    sent.push({
      id, idempotencyKey: key, from, to, replyTo: asList(body.reply_to), subject: body.subject,
      html: typeof body.html === 'string' ? body.html : '', text: typeof body.text === 'string' ? body.text : '',
    });
    return { id };
  }

  const server = await startJsonServer((req) => {
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return resendError(401, 'validation_error', 'API key is invalid');
    if (req.method !== 'POST' || req.path !== '/emails') return resendError(404, 'not_found', 'The requested endpoint does not exist.');
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const script = queued.shift();
    if (script?.kind === 'reply') return script.reply;
    const outcome = accept(body, key);
    if ('kind' in outcome) return outcome;
    return script?.kind === 'acceptThenDrop' ? reply.drop() : reply.json(200, outcome);
  });

  return {
    baseUrl: server.url,
    requests: server.requests,
    sent,
    once: (...next) => { queued.push(...next); },
    close: server.close,
  };
}
