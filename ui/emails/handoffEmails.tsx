import { EmailButton, EmailLayout, renderEmail as render, type RenderedEmail } from './EmailLayout.tsx';

export function handoffLinkEmail(p: { companyName: string; link: string; expiresOn: string; reminder: boolean; toAdminsBecauseNoAe: boolean }): RenderedEmail {
  const subject = p.reminder
    ? `Reminder: hand ${p.companyName} over to customer success`
    : `Hand ${p.companyName} over to customer success`;
  const intro = p.reminder
    ? `The handoff for ${p.companyName} is still waiting for you.`
    : `${p.companyName} has closed. Please review the drafted handoff notes and pick the CSM who will onboard them.`;
  const noAe = p.toAdminsBecauseNoAe ? 'This account has no AE email on record, so the handoff link came to the organisation admins.' : '';
  const html = render(
    <EmailLayout title={subject}>
      <p>{intro}</p>
      {noAe ? <p>{noAe}</p> : null}
      <EmailButton href={p.link} label="Review the handoff" />
      <p style="font-size:13px;color:#4b5563">The link works without a login, once, until {p.expiresOn}. Do not forward it.</p>
    </EmailLayout>,
  );
  const text = [intro, noAe, '', `Review the handoff: ${p.link}`, '', `The link works once, until ${p.expiresOn}. Do not forward it.`]
    .filter((line, i) => line !== '' || i > 0).join('\n');
  return { subject, html, text, links: [p.link] };
}

export function handoffEscalationEmail(p: { companyName: string; aeEmail: string | null; accountUrl: string; days: number }): RenderedEmail {
  const subject = `Handoff for ${p.companyName} has waited ${p.days} days`;
  const who = p.aeEmail ? `The AE (${p.aeEmail})` : 'Nobody';
  const body = `${who} has not submitted the handoff for ${p.companyName}. The account cannot start onboarding until someone does.`;
  const html = render(
    <EmailLayout title={subject}>
      <p>{body}</p>
      <EmailButton href={p.accountUrl} label="Open the account" />
    </EmailLayout>,
  );
  return { subject, html, text: `${body}\n\nOpen the account: ${p.accountUrl}`, links: [p.accountUrl] };
}

export function csmAssignedEmail(p: { csmName: string; companyName: string; accountUrl: string; note: string | null }): RenderedEmail {
  const subject = `You are now the CSM for ${p.companyName}`;
  const body = `Hi ${p.csmName}, ${p.companyName} is yours to onboard.`;
  const html = render(
    <EmailLayout title={subject}>
      <p>{body}</p>
      {p.note ? <blockquote style="border-left:3px solid #d1d5db;margin:0;padding-left:12px;color:#374151">{p.note}</blockquote> : null}
      <EmailButton href={p.accountUrl} label="Open the account" />
    </EmailLayout>,
  );
  const text = [body, p.note ? `Note: ${p.note}` : '', `Open the account: ${p.accountUrl}`].filter(Boolean).join('\n\n');
  return { subject, html, text, links: [p.accountUrl] };
}

export function contactIntroEmail(p: { contactName: string; companyName: string; csmName: string; csmEmail: string; note: string | null }): RenderedEmail {
  const subject = `Your customer success manager at ${p.companyName}`;
  const body = `Hi ${p.contactName}, ${p.csmName} (${p.csmEmail}) is now your customer success manager and will guide your onboarding.`;
  const html = render(
    <EmailLayout title={subject}>
      <p>{body}</p>
      {p.note ? <p>{p.note}</p> : null}
    </EmailLayout>,
  );
  return { subject, html, text: [body, p.note ?? ''].filter(Boolean).join('\n\n'), links: [] };
}

/** To the CSM, once, when health scoring moves their account to at risk: the score and what fell. */
export function healthAlertEmail(p: { csmName: string; companyName: string; score: number; tierLabel: string; reasons: string[]; accountUrl: string }): RenderedEmail {
  const subject = `${p.companyName} is at risk: health ${p.score} (${p.tierLabel})`;
  const body = `Hi ${p.csmName}, ${p.companyName}'s health score fell to ${p.score} (${p.tierLabel}), so Relay moved the account to at risk.`;
  const html = render(
    <EmailLayout title={subject}>
      <p>{body}</p>
      {p.reasons.length ? <><p>What fell:</p><ul>{p.reasons.map((r) => <li>{r}</li>)}</ul></> : null}
      <p>When its health is back to Healthy, Relay moves it back to active; if you move it yourself, it stays where you put it.</p>
      <EmailButton href={p.accountUrl} label="Open the account" />
    </EmailLayout>,
  );
  const text = [body, p.reasons.length ? `What fell:\n${p.reasons.map((r) => `- ${r}`).join('\n')}` : '', `Open the account: ${p.accountUrl}`].filter(Boolean).join('\n\n');
  return { subject, html, text, links: [p.accountUrl] };
}
