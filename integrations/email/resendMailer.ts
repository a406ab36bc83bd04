import { Resend, type ErrorResponse } from 'resend';
import { EmailDeliveryError } from './deliveryError.ts';
import type { DeliveryReceipt, Mailer, OutboundEmail } from './mailer.ts';

export interface ResendMailerOptions {
  apiKey: string;
  /** The SDK's own `baseUrl` option (tests point it at a local fake); default https://api.resend.com. */
  baseUrl?: string | undefined;
  from: string;
  replyTo?: string | undefined;
  /** Per request; the SDK sets none, and a hung request would hold the activity until its timeout. */
  timeoutMs: number;
}

// Same key with a different body: Resend will never accept it, whatever we do.
const NEVER_ACCEPTED = new Set<string>(['invalid_idempotent_request', 'invalid_idempotency_key']);

function retryAfterMs(headers: Record<string, string> | null): number | null {
  const value = headers?.['retry-after'];
  const seconds = value ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

function toDeliveryError(error: ErrorResponse, headers: Record<string, string> | null): EmailDeliveryError {
  // The SDK passes the error body through as is: trust statusCode only when it is a number.
  const status = typeof error.statusCode === 'number' ? error.statusCode : null;
  const message = `Resend ${status ?? 'unreachable'} ${error.name}: ${error.message}`;
  // No status: the request never got an answer (network, timeout); the idempotency key makes a retry safe.
  if (status === null || status >= 500) return new EmailDeliveryError(message, { retryable: true, status });
  if (status === 429) return new EmailDeliveryError(message, { retryable: true, status, retryAfterMs: retryAfterMs(headers) });
  // 409 concurrent_idempotent_requests: the first attempt is still in flight; ask again shortly.
  if (status === 409 && !NEVER_ACCEPTED.has(error.name)) return new EmailDeliveryError(message, { retryable: true, status });
  return new EmailDeliveryError(message, { retryable: false, status });
}

/**
 * Sends through Resend with the outbox row's idempotency key, so a retried activity (or a send that
 * succeeded before we could record it) reaches the recipient once. The SDK never throws for an API
 * error: it returns `{ error }`, which becomes an EmailDeliveryError here.
 */
export function createResendMailer(opts: ResendMailerOptions): Mailer {
  const client = new Resend(opts.apiKey, opts.baseUrl ? { baseUrl: opts.baseUrl.replace(/\/$/, '') } : undefined);
  return {
    provider: 'resend',
    deliver: async function sendWithResend(email: OutboundEmail): Promise<DeliveryReceipt> {
      const { data, error, headers } = await client.emails.send(
        { from: opts.from, to: email.to, subject: email.subject, html: email.html, text: email.text, ...(opts.replyTo ? { replyTo: opts.replyTo } : {}) },
        { idempotencyKey: email.idempotencyKey, signal: AbortSignal.timeout(opts.timeoutMs) },
      );
      if (error) throw toDeliveryError(error, headers);
      return { status: 'sent', providerMessageId: data.id };
    },
  };
}
