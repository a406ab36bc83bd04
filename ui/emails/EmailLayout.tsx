import type { Child } from 'hono/jsx';

/** An email as every sender stores and sends it: the outbox row, the mailer and the dev outbox read these. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  links: string[];
}

export function renderEmail(node: unknown): string {
  return `<!doctype html>${String(node)}`;
}

export function EmailLayout(props: { title: string; children: Child }) {
  return (
    <html>
      <body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2430">
        <table role="presentation" width="100%" style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">
          <tr><td>
            <h1 style="font-size:18px;margin:0 0 16px">{props.title}</h1>
            {props.children}
            <p style="font-size:12px;color:#6b7280;margin-top:24px">Sent by Relay on behalf of your customer success team.</p>
          </td></tr>
        </table>
      </body>
    </html>
  );
}

export function EmailButton(props: { href: string; label: string }) {
  return (
    <p style="margin:24px 0">
      <a href={props.href} style="background:#3b5bdb;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600">{props.label}</a>
    </p>
  );
}
