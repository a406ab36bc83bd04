import type { Database } from '../../db/client.ts';
import { markConnectionNeedsReauth } from '../../db/repositories/connectors.ts';
import { listUsersByRole } from '../../db/repositories/users.ts';
import type { Mailer } from '../../integrations/email/mailer.ts';
import { log } from '../../platform/log.ts';
import { connectorReauthEmail } from '../../ui/emails/connectorEmails.tsx';
import { deliverEmail } from '../emailDelivery.ts';

/**
 * The CRM refused Relay's token (or its access): the connection needs a person. It says so on the
 * connectors page, and the organisation's admins get one email per lapse (the call that changed the
 * status sends it, keyed by when the lapse began, so a retried activity does not send it again).
 */
export async function connectionNeedsReauth(
  deps: { db: Database; mailer: Mailer; publicUrl: string }, c: { orgId: string; connectionId: string; provider: string; problem: string },
): Promise<void> {
  const lapsedAt = await markConnectionNeedsReauth(deps.db, c.orgId, c.connectionId, c.problem);
  if (!lapsedAt) return;
  log.warn('connector needs re-authorisation', { orgId: c.orgId, connectionId: c.connectionId, provider: c.provider, problem: c.problem });
  const admins = await listUsersByRole(deps.db, c.orgId, 'admin');
  if (!admins.length) return;
  await deliverEmail(deps.db, deps.mailer, {
    ...connectorReauthEmail({ provider: c.provider, problem: c.problem, settingsUrl: `${deps.publicUrl}/settings/connectors` }),
    orgId: c.orgId, accountId: null, kind: 'connector_reauth', to: admins.map((a) => a.email),
    idempotencyKey: `connector-reauth:${c.connectionId}:${lapsedAt.getTime()}`,
  });
}
