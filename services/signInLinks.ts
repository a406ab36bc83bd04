import { createHash, randomUUID } from 'node:crypto';
import { ServiceError, type Client } from '@temporalio/client';
import { deliverEmail } from './emailDelivery.ts';
import { workflowEngineUnavailable } from './errors.ts';
import type { Database } from '../db/client.ts';
import { findOutboxEmailByKey } from '../db/repositories/outbox.ts';
import { findUsersByEmailAcrossOrganisations, insertLoginToken } from '../db/repositories/sessions.ts';
import { hashToken, newSecretToken } from '../domain/secretTokens.ts';
import { EmailDeliveryError } from '../integrations/email/deliveryError.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import type { RenderedEmail } from '../ui/emails/EmailLayout.tsx';
import { signInEmail } from '../ui/emails/signInEmail.tsx';
import { signInLinksWorkflowId, type SignInLinksInput, type SignInLinksWorkflow } from '../workflows/signInLinksDefinitions.ts';

export interface SignInLinkDeps { db: Database; mailer: Mailer; publicUrl: string }

/** How long a sign-in link (not an invitation) works. */
export const SIGN_IN_LINK_MINUTES = 15;

/**
 * Emails a person a single-use sign-in link: a fresh secret, only its hash stored, valid for
 * `validForMs`. Sign-in and invitations differ only in the email around the link and its lifetime.
 * With an `idempotencyKey` a repeat (a retried activity) sends the email it made the first time, if
 * that was not delivered yet, and never makes a second link.
 */
export async function sendSignInLink(
  deps: SignInLinkDeps,
  user: { id: string; orgId: string; email: string },
  opts: { validForMs: number; kind: 'sign_in' | 'invitation'; next?: string | undefined; compose: (link: string) => RenderedEmail; idempotencyKey?: string },
): Promise<void> {
  if (opts.idempotencyKey) {
    const earlier = await findOutboxEmailByKey(deps.db, opts.idempotencyKey);
    if (earlier) {
      await deliverEmail(deps.db, deps.mailer, {
        subject: earlier.subject, html: earlier.html, text: earlier.text, links: earlier.links,
        orgId: earlier.orgId, accountId: null, kind: earlier.kind, to: earlier.toAddresses, idempotencyKey: earlier.idempotencyKey,
      });
      return;
    }
  }
  const token = newSecretToken();
  const tokenHash = hashToken(token);
  await insertLoginToken(deps.db, { orgId: user.orgId, userId: user.id, tokenHash, expiresAt: new Date(Date.now() + opts.validForMs) });
  const link = `${deps.publicUrl}/login/verify?token=${token}${opts.next ? `&next=${encodeURIComponent(opts.next)}` : ''}`;
  await deliverEmail(deps.db, deps.mailer, {
    ...opts.compose(link), orgId: user.orgId, accountId: null, kind: opts.kind, to: [user.email],
    idempotencyKey: opts.idempotencyKey ?? `${opts.kind.replace('_', '-')}:${tokenHash}`,
  });
}

/** A stable, non-reversible-at-a-glance name for an address, for workflow IDs (operators search by it). */
export function signInEmailHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
}

/**
 * Asks for sign-in links without looking anyone up: starts a sendSignInLinks run and returns, so
 * POST /login answers in the same time whether or not the address belongs to anyone.
 * Temporal unreachable → `unavailable` (nothing was sent; the person can try again).
 */
export async function requestSignInLinks(deps: { temporal: Client; taskQueue: string }, input: SignInLinksInput): Promise<{ workflowId: string }> {
  const workflowId = signInLinksWorkflowId(signInEmailHash(input.email), randomUUID());
  try {
    await deps.temporal.workflow.start<SignInLinksWorkflow>('sendSignInLinks', {
      workflowId, taskQueue: deps.taskQueue, args: [input],
    });
  } catch (error) {
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
  return { workflowId };
}

/**
 * One link per organisation the address belongs to (none for a stranger), keyed by the request
 * (`requestKey`, the run's ID) so a retry sends nothing twice. A provider's rejection of one
 * message does not stop the others; it is reported in `rejected`. A passing failure throws.
 */
export async function sendSignInLinksFor(deps: SignInLinkDeps, input: SignInLinksInput & { requestKey: string }): Promise<{ sent: number; rejected: string[] }> {
  const rejected: string[] = [];
  let sent = 0;
  for (const user of await findUsersByEmailAcrossOrganisations(deps.db, input.email)) {
    try {
      await sendSignInLink(deps, user, {
        kind: 'sign_in', validForMs: SIGN_IN_LINK_MINUTES * 60_000, next: input.next, idempotencyKey: `sign-in:${input.requestKey}:${user.id}`,
        compose: (link) => signInEmail({ name: user.name, orgName: user.orgName, link, minutes: SIGN_IN_LINK_MINUTES }),
      });
      sent += 1;
    } catch (error) {
      if (!(error instanceof EmailDeliveryError) || error.retryable) throw error;
      rejected.push(error.message);
    }
  }
  return { sent, rejected };
}
