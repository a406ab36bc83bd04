import type { PortalCardView } from '../../../services/portal.ts';
import { CsrfField } from '../CsrfField.tsx';
import { accountPath } from './accountView.ts';
import { Time } from './formFields.tsx';

export const PORTAL_ANCHOR = '#portal';

const size = (bytes: number): string => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

const LINK_STATES: Record<NonNullable<PortalCardView['link']>['state'], string> = { live: 'Live', expired: 'Expired', revoked: 'Revoked' };

/**
 * The customer portal on the account page (issue 12): the primary contact's link (send, send a new
 * one, revoke), "View as customer", and what the customer answered, with their files to download.
 */
export function PortalCard(p: { accountId: string; contactEmail: string; portal: PortalCardView; csrfToken: string }) {
  const { link } = p.portal;
  const live = link?.state === 'live';
  return (
    <section class="card" id="portal" aria-labelledby="portal-title">
      <h2 id="portal-title">Customer portal</h2>
      {link ? (
        <dl class="facts small" data-portal-link={link.state}>
          <dt>Link</dt><dd><span class={`status status-${live ? 'active' : 'churned'}`}>{LINK_STATES[link.state]}</span></dd>
          <dt>Sent to</dt><dd>{link.sentTo}</dd>
          <dt>Sent</dt><dd><Time at={link.createdAt} /> by {link.createdBy}</dd>
          {link.state === 'revoked' && link.revokedAt ? <><dt>Revoked</dt><dd><Time at={link.revokedAt} /></dd></> : <><dt>{live ? 'Expires' : 'Expired'}</dt><dd><Time at={link.expiresAt} /></dd></>}
        </dl>
      ) : <p class="muted" style="margin:0">No portal link yet: send one to {p.contactEmail}, the primary contact.</p>}
      <div class="button-row" style="align-items:flex-end">
        <form method="post" action={accountPath(p.accountId, '/portal/send')}>
          <CsrfField token={p.csrfToken} />
          <button type="submit">{link ? 'Send a new portal link' : 'Send portal link'}</button>
        </form>
        {live ? (
          <form method="post" action={accountPath(p.accountId, '/portal/revoke')}>
            <CsrfField token={p.csrfToken} />
            <button type="submit" class="secondary">Revoke link</button>
          </form>
        ) : null}
        <a class="button secondary" href={accountPath(p.accountId, '/portal')} target="_blank" rel="noopener">View as customer</a>
      </div>
      {link ? <p class="muted small" style="margin:8px 0 0">A new link replaces the old one, which stops working at once.</p> : null}
      <h3 style="font-size:1rem;margin:16px 0 4px">Answers from the customer</h3>
      {p.portal.submissions.length ? (
        <ul class="timeline" data-portal-answers>
          {p.portal.submissions.map((s) => (
            <li data-submission={s.actionId}>
              <p style="margin:0"><strong>{s.label}</strong></p>
              <p class="muted small" style="margin:0">by {s.submittedBy} · <Time at={s.submittedAt} /></p>
              <dl class="facts small" style="margin-top:4px">
                {s.answers.map((a) => (
                  <>
                    <dt>{a.label}</dt>
                    <dd style="white-space:pre-wrap;overflow-wrap:anywhere">
                      {a.file
                        ? <a href={accountPath(p.accountId, `/portal/files/${encodeURIComponent(a.file.id)}`)} download={a.file.fileName}>{a.file.fileName}</a>
                        : a.value ? a.value : <span class="muted">No answer</span>}
                      {a.file ? <span class="muted"> ({size(a.file.sizeBytes)})</span> : null}
                    </dd>
                  </>
                ))}
              </dl>
            </li>
          ))}
        </ul>
      ) : <p class="muted" style="margin:0">No answers yet.</p>}
    </section>
  );
}
