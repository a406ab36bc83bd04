import type { WriteKeyRecord } from '../../db/repositories/organisations.ts';
import { AppLayout } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import type { PageShell } from './TemplatesPages.tsx';

const formatTime = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Write keys for the ingestion endpoints (admins). A new key is shown on the answer to "Create" and
 * nowhere else: Relay stores only its hash, so the list shows name and prefix.
 */
export function WriteKeysPage(p: PageShell & {
  keys: WriteKeyRecord[];
  /** Set only on the answer that made it. */
  created?: { name: string; writeKey: string };
  /** Where SDKs send events: the app's public URL. */
  host: string;
  name: string;
  errors: Record<string, string>;
  flash?: { kind: 'ok' | 'error'; text: string };
}) {
  const active = p.keys.filter((k) => !k.revokedAt).length;
  return (
    <AppLayout title="Write keys" section="settings" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head">
        <h1>Write keys</h1>
        <a href="/settings">All settings</a>
      </div>
      {p.flash ? <p class={`flash ${p.flash.kind}`} role={p.flash.kind === 'error' ? 'alert' : 'status'}>{p.flash.text}</p> : null}
      {p.created ? (
        <section class="card" aria-labelledby="new-key" style="border:2px solid #2f9e44">
          <h2 id="new-key">New write key: {p.created.name}</h2>
          <p><strong>Copy it now: it is shown only this once.</strong> Relay keeps only its hash, so it cannot show it again; if it is lost, make another and revoke this one.</p>
          <p><code data-write-key style="font-size:1.05rem;word-break:break-all;background:#f4f5f7;padding:6px 8px;border-radius:6px;display:inline-block">{p.created.writeKey}</code></p>
          <h3>How to use it</h3>
          <p>Point the SDK's host at Relay and give it this key; nothing else changes.</p>
          <pre style="white-space:pre-wrap;background:#f4f5f7;padding:8px 10px;border-radius:6px;overflow-x:auto">
            {`// Segment (@segment/analytics-node): events go to ${p.host}/v1/batch
new Analytics({ writeKey: '${p.created.writeKey}', host: '${p.host}' })

// PostHog (posthog-node): events go to ${p.host}/batch/
new PostHog('${p.created.writeKey}', { host: '${p.host}' })`}
          </pre>
          <p class="muted small">
            Anything else (a CRM, a mailbox, a help desk) posts to <code>POST {p.host}/api/events</code> with the organisation's API key
            (<code>Authorization: Bearer</code>), not with a write key. A write key can only send events.
          </p>
        </section>
      ) : null}
      <section class="card table-wrap" aria-labelledby="keys-title">
        <h2 id="keys-title">Keys</h2>
        <p class="muted small">{active} active. A revoked key stops working at once; events it sent stay.</p>
        {p.keys.length === 0 ? <p class="muted">No write keys yet.</p> : (
          <table>
            <thead><tr><th>Name</th><th>Prefix</th><th class="hide-sm">Created</th><th>Status</th><th><span class="visually-hidden">Revoke</span></th></tr></thead>
            <tbody>
              {p.keys.map((k) => (
                <tr data-key-id={k.id}>
                  <td>{k.name}</td>
                  <td><code>{k.prefix}…</code></td>
                  <td class="hide-sm">{formatTime(k.createdAt)}</td>
                  <td>{k.revokedAt ? <span class="status status-churned">Revoked {formatTime(k.revokedAt)}</span> : <span class="status status-active">Active</span>}</td>
                  <td>
                    {k.revokedAt ? null : (
                      <form method="post" action={`/settings/write-keys/${k.id}/revoke`}>
                        <CsrfField token={p.csrfToken} />
                        <button type="submit" class="danger" style="margin-top:0" aria-label={`Revoke ${k.name} (${k.prefix}…)`}>Revoke</button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <form class="card" method="post" action="/settings/write-keys" novalidate>
        <h2>Create a write key</h2>
        <p class="muted small">One per source (say "Segment production", "PostHog staging"), so each can be revoked on its own.</p>
        <CsrfField token={p.csrfToken} />
        <label for="write-key-name">Name</label>
        <input id="write-key-name" name="name" type="text" maxlength={100} value={p.name} placeholder="write key"
          {...(p.errors.name ? { 'aria-invalid': 'true', 'aria-describedby': 'write-key-name-error' } : {})} />
        {p.errors.name ? <p class="field-error" id="write-key-name-error">{p.errors.name}</p> : null}
        <button type="submit">Create write key</button>
      </form>
    </AppLayout>
  );
}
