import { USER_ROLES, type UserRole } from '../../domain/users.ts';
import { AppLayout } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import type { PageShell } from './TemplatesPages.tsx';

export interface UserRow { id: string; name: string; email: string; role: UserRole; lastSignInAt: Date | null }
export interface InviteFormValues { name: string; email: string; role: string }

const ROLE_LABELS: Record<UserRole, string> = { admin: 'Admin', csm: 'CSM' };
const formatTime = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function UsersPage(p: PageShell & {
  users: UserRow[];
  invite: InviteFormValues;
  inviteErrors: Record<string, string>;
  flash?: { kind: 'ok' | 'error'; text: string };
}) {
  const err = (field: string) => p.inviteErrors[field]
    ? <p class="field-error" id={`invite-${field}-error`}>{p.inviteErrors[field]}</p>
    : null;
  const invalid = (field: string) => (p.inviteErrors[field] ? { 'aria-invalid': 'true', 'aria-describedby': `invite-${field}-error` } : {});
  return (
    <AppLayout title="Users" section="users" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head"><h1>Users</h1><span class="muted">{p.users.length} people</span></div>
      {p.flash ? <p class={`flash ${p.flash.kind}`} role={p.flash.kind === 'error' ? 'alert' : 'status'}>{p.flash.text}</p> : null}
      <div class="card table-wrap">
        <table>
          <thead><tr><th>Name</th><th>Role</th><th class="hide-sm">Last sign-in</th><th>Sign-in link</th></tr></thead>
          <tbody>
            {p.users.map((u) => (
              <tr>
                <td>{u.name}<div class="muted small">{u.email}</div></td>
                <td>
                  <form method="post" action={`/users/${u.id}/role`} class="button-row">
                    <CsrfField token={p.csrfToken} />
                    <label class="visually-hidden" for={`role-${u.id}`}>Role for {u.name}</label>
                    <select id={`role-${u.id}`} name="role" style="width:auto">
                      {USER_ROLES.map((r) => <option value={r} selected={u.role === r}>{ROLE_LABELS[r]}</option>)}
                    </select>
                    <button type="submit" class="secondary" style="margin-top:0">Change role</button>
                  </form>
                </td>
                <td class="hide-sm">{u.lastSignInAt ? formatTime(u.lastSignInAt) : <span class="muted">never</span>}</td>
                <td>
                  <form method="post" action={`/users/${u.id}/sign-in-link`}>
                    <CsrfField token={p.csrfToken} />
                    <button type="submit" class="secondary" style="margin-top:0">Email a sign-in link</button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form class="card" method="post" action="/users/invite" novalidate>
        <h2>Invite someone</h2>
        <p class="muted small">They get an email with a link that signs them in.</p>
        <CsrfField token={p.csrfToken} />
        <div class="grid">
          <div>
            <label for="invite-name">Name</label>
            <input id="invite-name" name="name" type="text" autocomplete="off" value={p.invite.name} required {...invalid('name')} />
            {err('name')}
          </div>
          <div>
            <label for="invite-email">Email</label>
            <input id="invite-email" name="email" type="email" autocomplete="off" value={p.invite.email} required {...invalid('email')} />
            {err('email')}
          </div>
          <div>
            <label for="invite-role">Role</label>
            <select id="invite-role" name="role" {...invalid('role')}>
              {USER_ROLES.map((r) => <option value={r} selected={(p.invite.role || 'csm') === r}>{ROLE_LABELS[r]}</option>)}
            </select>
            {err('role')}
          </div>
        </div>
        <button type="submit">Send invitation</button>
      </form>
    </AppLayout>
  );
}
