import { deliverEmail } from './emailDelivery.ts';
import type { Database } from '../db/client.ts';
import { insertLoginToken } from '../db/repositories/sessions.ts';
import { hashToken, newSecretToken } from '../domain/secretTokens.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import type { RenderedEmail } from '../ui/emails/EmailLayout.tsx';

export interface SignInLinkDeps { db: Database; mailer: Mailer; publicUrl: string }

/**
 * Emails a person a single-use sign-in link: a fresh secret, only its hash stored, valid for
 * `validForMs`. Sign-in and invitations differ only in the email around the link and its lifetime.
 */
export async function sendSignInLink(
  deps: SignInLinkDeps,
  user: { id: string; orgId: string; email: string },
  opts: { validForMs: number; kind: 'sign_in' | 'invitation'; next?: string | undefined; compose: (link: string) => RenderedEmail },
): Promise<void> {
  const token = newSecretToken();
  const tokenHash = hashToken(token);
  await insertLoginToken(deps.db, { orgId: user.orgId, userId: user.id, tokenHash, expiresAt: new Date(Date.now() + opts.validForMs) });
  const link = `${deps.publicUrl}/login/verify?token=${token}${opts.next ? `&next=${encodeURIComponent(opts.next)}` : ''}`;
  await deliverEmail(deps.db, deps.mailer, {
    ...opts.compose(link), orgId: user.orgId, accountId: null, kind: opts.kind, to: [user.email], idempotencyKey: `${opts.kind.replace('_', '-')}:${tokenHash}`,
  });
}
