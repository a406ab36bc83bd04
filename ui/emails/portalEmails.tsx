import { EmailButton, EmailLayout, renderEmail as render, type RenderedEmail } from './EmailLayout.tsx';

/** To the account's primary contact: their onboarding portal, from their CSM (issue 12). */
export function portalLinkEmail(p: {
  contactName: string; companyName: string; csmName: string | null; csmEmail: string | null; link: string; expiresOn: string;
}): RenderedEmail {
  const subject = `Your onboarding plan for ${p.companyName}`;
  const firstName = p.contactName.split(/\s+/)[0] || p.contactName;
  const intro = `Hi ${firstName}, here is your onboarding portal: the plan, where we are, and anything we need from you.`;
  const who = p.csmName ? `${p.csmName}${p.csmEmail ? ` (${p.csmEmail})` : ''} is your customer success manager.` : '';
  const html = render(
    <EmailLayout title={subject}>
      <p>{intro}</p>
      {who ? <p>{who}</p> : null}
      <EmailButton href={p.link} label="Open your onboarding portal" />
      <p style="font-size:13px;color:#4b5563">The link works without a login until {p.expiresOn}. It is meant for you: please do not forward it. A newer email replaces it.</p>
    </EmailLayout>,
  );
  const text = [intro, who, `Open your onboarding portal: ${p.link}`, `The link works without a login until ${p.expiresOn}. Please do not forward it.`]
    .filter(Boolean).join('\n\n');
  return { subject, html, text, links: [p.link] };
}
