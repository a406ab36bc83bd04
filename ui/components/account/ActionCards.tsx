import { isTerminal, LIFECYCLE_STATUSES, manualTransitionError } from '../../../domain/lifecycle.ts';
import { CsrfField } from '../CsrfField.tsx';
import { accountPath, type AccountView } from './accountView.ts';
import { FieldError, humanize, TextAreaField, type FormState } from './formFields.tsx';

/** Change status (only to where the lifecycle allows) and assign or reassign the CSM. */
export function AccountActions(p: {
  detail: AccountView; csrfToken: string; csms: { id: string; email: string; name: string }[];
  statusForm: FormState; csmForm: FormState;
}) {
  const { account, csm } = p.detail;
  const targets = LIFECYCLE_STATUSES.filter((to) => manualTransitionError(account.status, to) === null);
  const sf = p.statusForm;
  const cf = p.csmForm;
  // A fresh form notifies the new CSM and not the customer; a re-rendered one keeps what was ticked.
  const fresh = Object.keys(cf.values).length === 0;
  const chosenCsm = cf.values.csmEmail ?? csm?.email ?? '';
  return (
    <section class="card" id="actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      {targets.length ? (
        <form method="post" action={accountPath(account.id, '/status')}>
          <CsrfField token={p.csrfToken} />
          <h3>Change status</h3>
          <label for="status-status">New status</label>
          <select id="status-status" name="status" aria-invalid={sf.errors.status ? 'true' : undefined}>
            <option value="">Choose…</option>
            {targets.map((s) => <option value={s} selected={sf.values.status === s}>{humanize(s)}</option>)}
          </select>
          <FieldError id="status-status" message={sf.errors.status} />
          <TextAreaField id="status-note" name="note" label="Why" state={sf} hint="Lands in the activity timeline with your name." />
          <button type="submit">Change status</button>
        </form>
      ) : <p class="muted">{isTerminal(account.status) ? `This account is ${humanize(account.status).toLowerCase()}; its lifecycle has ended.` : 'The status changes when the AE submits the handoff.'}</p>}

      {isTerminal(account.status) ? null : (
        <form method="post" action={accountPath(account.id, '/csm')} style="margin-top:16px">
          <CsrfField token={p.csrfToken} />
          <h3>{csm?.id ? 'Reassign CSM' : 'Assign CSM'}</h3>
          <label for="csm-csmEmail">CSM</label>
          <select id="csm-csmEmail" name="csmEmail" aria-invalid={cf.errors.csmEmail ? 'true' : undefined}>
            <option value="">Choose a CSM…</option>
            {p.csms.map((u) => <option value={u.email} selected={chosenCsm === u.email}>{u.name} ({u.email}){csm?.id === u.id ? ' — current' : ''}</option>)}
          </select>
          <FieldError id="csm-csmEmail" message={cf.errors.csmEmail} />
          <label style="font-weight:400"><input type="checkbox" name="notifyCsm" value="yes" checked={fresh || cf.values.notifyCsm === 'yes'} /> Notify the new CSM by email</label>
          <label style="font-weight:400"><input type="checkbox" name="notifyContact" value="yes" checked={cf.values.notifyContact === 'yes'} /> Introduce the CSM to {account.primaryContactName} by email</label>
          <TextAreaField id="csm-note" name="note" label="Transition note" state={cf} hint="Included in the emails and the timeline." />
          <button type="submit">{csm?.id ? 'Reassign' : 'Assign'}</button>
        </form>
      )}
    </section>
  );
}
