export interface OutboundEmail {
  to: string[];
  subject: string;
  html: string;
  text: string;
  /** Same key → the provider sends once, however often the activity retries. */
  idempotencyKey: string;
}

export interface DeliveryReceipt {
  status: 'sent' | 'held';
  providerMessageId: string | null;
}

export interface Mailer {
  /** Recorded on every outbox row, so an operator sees where a message went. */
  readonly provider: string;
  deliver(email: OutboundEmail): Promise<DeliveryReceipt>;
}

/**
 * The mailer used when no provider key is configured: nothing leaves the machine, and the outbox
 * table (shown on the dev outbox page and by GET /api/outbox) is the delivery.
 */
export function createDevOutboxMailer(): Mailer {
  return {
    provider: 'dev-outbox',
    deliver: async function holdInDevOutbox() {
      return { status: 'held', providerMessageId: null };
    },
  };
}
