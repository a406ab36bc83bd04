import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

const styles = `
*{box-sizing:border-box}body{margin:0;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2430;background:#f4f5f7;line-height:1.5}
header.top{background:#1f2a44;color:#fff;padding:12px 20px;font-weight:600;letter-spacing:.02em}
main{max-width:760px;margin:24px auto;padding:0 16px}
code,a.email-link{overflow-wrap:anywhere}
.card{background:#fff;border-radius:10px;padding:20px 24px;margin-bottom:16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h1{font-size:1.4rem;margin:0 0 8px}h2{font-size:1.1rem;margin:0 0 12px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dl.summary dt{color:#6b7280}dl.summary dd{margin:0}
label{display:block;font-weight:600;margin:16px 0 4px}.help{font-weight:400;color:#6b7280;font-size:.9rem}
textarea,select,input[type=text]{width:100%;font:inherit;padding:8px 10px;border:1px solid #cbd2dc;border-radius:6px;background:#fff}
textarea{min-height:84px}
button{font:inherit;font-weight:600;background:#3b5bdb;color:#fff;border:0;border-radius:6px;padding:10px 18px;cursor:pointer;margin-top:20px}
.badge{display:inline-block;font-size:.75rem;font-weight:600;padding:2px 8px;border-radius:999px;background:#fff4e6;color:#b35c00;margin-left:6px}
.error{background:#fdecec;color:#a61b1b;border-radius:6px;padding:10px 12px;margin-bottom:12px}
.muted{color:#6b7280}
fieldset.choices{border:0;padding:0;margin:16px 0 0;min-width:0}fieldset.choices legend{font-weight:600;padding:0;margin-bottom:4px}
label.choice{display:flex;align-items:center;gap:8px;font-weight:400;margin:4px 0;padding:6px 0;cursor:pointer}label.choice input{width:1.1rem;height:1.1rem;margin:0}
fieldset.choices.inline label.choice{display:inline-flex;margin-right:28px}
p.help{margin:0 0 6px}.required{font-size:.75rem;font-weight:600;color:#a61b1b;margin-left:6px;text-transform:uppercase;letter-spacing:.03em}
.field-error{color:#a61b1b;font-size:.9rem;margin:4px 0 0}[aria-invalid=true]{border-color:#a61b1b}
@media (max-width:560px){main{margin:12px auto}.card{padding:16px}dl.summary{grid-template-columns:1fr}}
`;

export function Layout(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* No favicon to fetch: every page request stays a single, quiet request. */}
        <link rel="icon" href="data:," />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title} · Relay</title>
        <style>{raw(styles)}</style>
      </head>
      <body>
        <header class="top">Relay</header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}
