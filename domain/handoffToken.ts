import { createHmac } from 'node:crypto';

/**
 * The token in an AE's handoff link: 256 bits, derived from a server secret, the account and the
 * link version. Derived (not random) so a retried "send link" activity mails the very link whose
 * hash it stored; a new version ("resend link") makes every older link stop matching.
 */
export function handoffToken(secret: string, accountId: string, linkVersion: number): string {
  return createHmac('sha256', secret).update(`handoff-link:${accountId}:${linkVersion}`).digest('base64url');
}


/** Cheap shape check before any database lookup: 43 base64url characters. */
export function looksLikeHandoffToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
