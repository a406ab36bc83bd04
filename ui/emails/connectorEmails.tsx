import { EmailButton, EmailLayout, renderEmail as render, type RenderedEmail } from './EmailLayout.tsx';

/** To the organisation's admins, once per lapse: the CRM refused Relay's token, so deals stopped coming in. */
export function connectorReauthEmail(p: { provider: string; problem: string; settingsUrl: string }): RenderedEmail {
  const subject = `${p.provider} stopped sending deals to Relay: reconnect it`;
  const body = `${p.provider} refused Relay's access token, so Closed Won deals no longer become accounts. ${p.problem}`;
  const html = render(
    <EmailLayout title={subject}>
      <p>{body}</p>
      <p>Reconnect it with a valid token; deals that closed meanwhile are picked up by the next sync.</p>
      <EmailButton href={p.settingsUrl} label="Open the connectors" />
    </EmailLayout>,
  );
  return { subject, html, text: `${body}\n\nReconnect it: ${p.settingsUrl}`, links: [p.settingsUrl] };
}
