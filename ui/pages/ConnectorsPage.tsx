import { raw } from 'hono/html';
import { HUBSPOT_SCOPES, type ConnectorProvider } from '../../domain/connectors.ts';
import { PROVIDER_LABELS } from '../../domain/crmLinks.ts';
import { AppLayout } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import {
  CONNECTORS_CSS, HubSpotCard, NotionCard, type ConnectionCardData, type ConnectionView, type HubSpotCardProps,
} from '../components/settings/ConnectorCards.tsx';
import {
  CONNECTOR_FORMS_CSS, HubSpotOAuthConnect, HubSpotTools, NotionConnectForm,
  type BackfillState, type FormState, type HubSpotMappingValues, type HubSpotOAuthValues, type NotionFormValues, type TestDealState,
} from '../components/settings/ConnectorForms.tsx';
import type { PageShell } from './TemplatesPages.tsx';

export interface ConnectorsFlash { kind: 'ok' | 'error'; text: string }

/** "Connect with HubSpot": whether an OAuth app is configured, where HubSpot sends the admin back, the settings form. */
export interface HubSpotOAuthPanel { configured: boolean; redirectUri: string; form: FormState<HubSpotOAuthValues> }

/** A live HubSpot connection's mapping, backfill and "Test with a deal", and which of them is open. */
export interface HubSpotToolsPanel { mapping: FormState<HubSpotMappingValues>; backfill: BackfillState; testDeal: TestDealState; open: 'mapping' | 'backfill' | 'test' | null }

/**
 * CRM connectors (admins, `/settings/connectors`): one card per provider with its state, last run,
 * counts and recent failures, and what can be done with it (connect by token or by OAuth, map
 * properties, backfill, test with a deal, sync now, pause or resume, disconnect, retry a record).
 * No page ever holds a token or a client secret.
 */
export function ConnectorsPage(p: PageShell & Omit<HubSpotCardProps, 'card' | 'csrfToken' | 'oauth' | 'tools'> & {
  hubspot: ConnectionCardData | null;
  notion: ConnectionCardData | null;
  hubspotOAuth: HubSpotOAuthPanel;
  hubspotTools: HubSpotToolsPanel;
  notionForm: { form: FormState<NotionFormValues>; open: boolean };
  flash?: ConnectorsFlash | undefined;
}) {
  const live = (card: ConnectionCardData | null) => card !== null && card.view.status !== 'disconnected';
  const errorCount = Object.keys(p.form?.errors ?? {}).length;
  return (
    <AppLayout title="Connectors" section="settings" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox} head={<style>{raw(CONNECTORS_CSS + CONNECTOR_FORMS_CSS)}</style>}>
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
      <HubSpotCard card={p.hubspot} csrfToken={p.csrfToken} templates={p.templates} publicUrl={p.publicUrl} form={p.form}
        oauth={<HubSpotOAuthConnect csrfToken={p.csrfToken} configured={p.hubspotOAuth.configured} redirectUri={p.hubspotOAuth.redirectUri} scopes={HUBSPOT_SCOPES}
          templates={p.templates} form={p.hubspotOAuth.form} reconnect={p.hubspot !== null} />}
        tools={live(p.hubspot) ? <HubSpotTools csrfToken={p.csrfToken} {...p.hubspotTools} /> : null} />
      <NotionCard card={p.notion} csrfToken={p.csrfToken} connectFormOpen={p.notionForm.open}
        connectForm={<NotionConnectForm csrfToken={p.csrfToken} templates={p.templates} form={p.notionForm.form} reconnect={live(p.notion)} />} />
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
