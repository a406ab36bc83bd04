import { EmailButton, EmailLayout, renderEmail, type RenderedEmail } from './EmailLayout.tsx';

/** A new user's first sign-in link; later sign-ins go through /login like everyone's. */
export function invitationEmail(p: { name: string; invitedBy: string; orgName: string; role: 'admin' | 'csm'; link: string; loginUrl: string; days: number }): RenderedEmail {
  const subject = `${p.invitedBy} invited you to ${p.orgName} on Relay`;
  const roleText = p.role === 'admin' ? 'an admin' : 'a customer success manager';
  const body = `Hi ${p.name}, ${p.invitedBy} added you to ${p.orgName} on Relay as ${roleText}. This link signs you in once and works for ${p.days} days.`;
  const later = `After that, sign in at ${p.loginUrl} with this email address.`;
  const html = renderEmail(
    <EmailLayout title={subject}>
      <p>{body}</p>
      <EmailButton href={p.link} label="Sign in to Relay" />
      <p style="font-size:13px;color:#4b5563">{later}</p>
    </EmailLayout>,
  );
  return { subject, html, text: `${body}\n\n${p.link}\n\n${later}`, links: [p.link] };
}
