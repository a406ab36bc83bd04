import { raw } from 'hono/html';
import type { ConnectorProvider } from '../../domain/connectors.ts';
import { PROVIDER_LABELS } from '../../domain/crmLinks.ts';
import { AppLayout } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import {
  CONNECTORS_CSS, HubSpotCard, NotionCard, type ConnectionCardData, type ConnectionView, type HubSpotCardProps,
} from '../components/settings/ConnectorCards.tsx';
import type { PageShell } from './TemplatesPages.tsx';

export interface ConnectorsFlash { kind: 'ok' | 'error'; text: string }

/**
 * CRM connectors (admins, `/settings/connectors`): one card per provider with its state, last run,
 * counts and recent failures, and what can be done with it (connect, sync now, pause or resume,
 * disconnect, retry a record). No page ever holds a token or a client secret.
 */
export function ConnectorsPage(p: PageShell & Omit<HubSpotCardProps, 'card' | 'csrfToken'> & {
  hubspot: ConnectionCardData | null;
  notion: ConnectionCardData | null;
  flash?: ConnectorsFlash | undefined;
}) {
  const errorCount = Object.keys(p.form?.errors ?? {}).length;
  return (
    <AppLayout title="Connectors" section="settings" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox} head={<style>{raw(CONNECTORS_CSS)}</style>}>
      <div class="page-head">
        <h1>Connectors</h1>
        <a href="/settings">All settings</a>
      </div>
      {p.flash ? <p class={`flash ${p.flash.kind}`} role={p.flash.kind === 'error' ? 'alert' : 'status'}>{p.flash.text}</p> : null}
      {errorCount ? <p class="flash error" role="alert">HubSpot was not connected: fix the {errorCount === 1 ? 'field' : `${errorCount} fields`} marked below, and enter the token and secret again.</p> : null}
      <p class="muted">
        Each connection syncs on a Temporal Schedule named after it (<code>connector-&lt;id&gt;</code>): its runs are visible, searchable and pausable in the Temporal UI.
        Tokens and secrets are stored encrypted and never shown again.
      </p>
      <HubSpotCard card={p.hubspot} csrfToken={p.csrfToken} templates={p.templates} publicUrl={p.publicUrl} form={p.form} />
      <NotionCard card={p.notion} csrfToken={p.csrfToken} />
    </AppLayout>
  );
}

/** The confirm step before a disconnect: a page of its own, so it works without script. */
export function ConnectorDisconnectPage(p: PageShell & { provider: ConnectorProvider; view: ConnectionView }) {
  const provider = PROVIDER_LABELS[p.provider];
  const created = p.view.counts.created ?? 0;
  const linked = p.view.counts.linked ?? 0;
  return (
    <AppLayout title={`Disconnect ${provider}`} section="settings" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head">
        <h1>Disconnect {provider}?</h1>
        <a href="/settings/connectors">Back to connectors</a>
      </div>
      <section class="card">
        <p>Disconnecting {provider}:</p>
        <ul>
          <li>wipes the stored token and secret, and deletes the sync schedule in Temporal;</li>
          <li>stops new records becoming accounts (webhooks are refused, nothing polls);</li>
          <li>keeps the {created + linked} accounts it created or linked, with their links, and every record's history.</li>
        </ul>
        <p>To sync again later, connect it again with a token.</p>
        <form method="post" action={`/settings/connectors/${p.provider}/disconnect`} class="button-row">
          <CsrfField token={p.csrfToken} />
          <input type="hidden" name="confirm" value="disconnect" />
          <button type="submit" class="danger">Disconnect {provider}</button>
          <a class="button secondary" href="/settings/connectors">Cancel</a>
        </form>
      </section>
    </AppLayout>
  );
}
