import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { CsrfField } from './CsrfField.tsx';
import { DASHBOARD_CSS } from './dashboardStyles.ts';

export interface Viewer { name: string; email: string; role: 'admin' | 'csm' }

export type Section = 'accounts' | 'follow-up' | 'tasks' | 'new-account' | 'imports' | 'templates' | 'users' | 'settings' | 'outbox';

/** The signed-in shell: top bar with sections, who is signed in, and sign-out. */
export function AppLayout(props: { title: string; section: Section; viewer: Viewer; csrfToken: string; devOutbox?: boolean; head?: Child; children: Child }) {
  const link = (section: Section, href: string, label: string) => (
    <a href={href} aria-current={props.section === section ? 'page' : undefined}>{label}</a>
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* No favicon to fetch: every page request stays a single, quiet request. */}
        <link rel="icon" href="data:," />
        <title>{props.title} · Relay</title>
        <style>{raw(DASHBOARD_CSS)}</style>
        {props.head}
      </head>
      <body>
        <header class="topbar">
          <a class="brand" href="/accounts">Relay</a>
          <nav aria-label="Sections">
            {link('accounts', '/accounts', 'Accounts')}
            {link('follow-up', '/follow-up', 'Follow-up')}
            {link('tasks', '/tasks', 'My tasks')}
            {link('new-account', '/accounts/new', 'New account')}
            {link('imports', '/imports', 'Import')}
            {link('templates', '/templates', 'Templates')}
            {props.viewer.role === 'admin' ? link('users', '/users', 'Users') : null}
            {props.viewer.role === 'admin' ? link('settings', '/settings', 'Settings') : null}
            {props.devOutbox ? link('outbox', '/dev/outbox', 'Dev outbox') : null}
          </nav>
          <form class="who" method="post" action="/logout">
            <span>{props.viewer.name} · {props.viewer.role}</span>
            <CsrfField token={props.csrfToken} />
            <button type="submit">Sign out</button>
          </form>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** Pages for people who are not signed in (sign-in, its confirmations). */
export function PublicLayout(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* No favicon to fetch: every page request stays a single, quiet request. */}
        <link rel="icon" href="data:," />
        <title>{props.title} · Relay</title>
        <style>{raw(DASHBOARD_CSS)}</style>
      </head>
      <body>
        <header class="topbar"><span class="brand">Relay</span></header>
        <main style="max-width:460px">{props.children}</main>
      </body>
    </html>
  );
}
