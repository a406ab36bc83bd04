import { EmailButton, EmailLayout, renderEmail, type RenderedEmail } from './EmailLayout.tsx';

export function signInEmail(p: { name: string; orgName: string; link: string; minutes: number }): RenderedEmail {
  const subject = `Sign in to Relay (${p.orgName})`;
  const body = `Hi ${p.name}, use this link to sign in to ${p.orgName} on Relay. It works once, for ${p.minutes} minutes.`;
  const html = renderEmail(
    <EmailLayout title={subject}>
      <p>{body}</p>
      <EmailButton href={p.link} label="Sign in" />
      <p style="font-size:13px;color:#4b5563">If you did not ask to sign in, ignore this email.</p>
    </EmailLayout>,
  );
  return { subject, html, text: `${body}\n\n${p.link}\n\nIf you did not ask to sign in, ignore this email.`, links: [p.link] };
}
