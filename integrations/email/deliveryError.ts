/**
 * A mailer's failure, typed so the caller can tell a message the provider will never accept (bad
 * address, bad sender: retrying changes nothing) from a passing problem (rate limit, outage).
 */
export class EmailDeliveryError extends Error {
  override name = 'EmailDeliveryError';
  readonly retryable: boolean;
  /** How long the provider asked us to wait (429 retry-after), in milliseconds. */
  readonly retryAfterMs: number | null;
  /** The provider's HTTP status, when it answered at all. */
  readonly status: number | null;

  constructor(message: string, opts: { retryable: boolean; status?: number | null; retryAfterMs?: number | null }) {
    super(message);
    this.retryable = opts.retryable;
    this.status = opts.status ?? null;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }
}
