import { Layout } from '../components/Layout.tsx';

interface HeldEmail { id: string; toAddresses: string[]; subject: string; kind: string; links: string[]; createdAt: Date }

export function DevOutboxPage(p: { emails: HeldEmail[] }) {
  return (
    <Layout title="Dev outbox">
      <div class="card">
        <h1>Dev outbox</h1>
        <p class="muted">No email provider is configured, so Relay keeps outgoing email here instead of sending it. Newest first.</p>
      </div>
      {p.emails.length === 0 ? <div class="card"><p>No email yet. Create an account and its handoff email appears here.</p></div> : null}
      {p.emails.map((email) => (
        <div class="card" data-email-kind={email.kind}>
          <h2><a href={`/dev/outbox/${email.id}`}>{email.subject}</a></h2>
          <p class="muted">To {email.toAddresses.join(', ')} · {email.kind} · {email.createdAt.toUTCString()}</p>
          {email.links.map((link) => <p><a class="email-link" href={link}>{link}</a></p>)}
        </div>
      ))}
    </Layout>
  );
}

/**
 * The email exactly as it would be sent: our own rendered HTML, served as a document of its own
 * (/dev/outbox/:id/html, under a sandboxing policy) and shown in a sandboxed frame.
 */
export function DevOutboxEmailPage(p: { id: string; subject: string }) {
  return (
    <Layout title={p.subject}>
      <div class="card">
        <p><a href="/dev/outbox">← Dev outbox</a></p>
        <iframe title={p.subject} sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation" style="width:100%;height:520px;border:0"
          src={`/dev/outbox/${encodeURIComponent(p.id)}/html`} />
      </div>
    </Layout>
  );
}
