import { crmSyncState, PROVIDER_LABELS, SYNC_OUTCOME_LABELS, type AccountCrmRecord } from '../../../domain/crmLinks.ts';
import { CsrfField } from '../CsrfField.tsx';
import { accountPath } from './accountView.ts';
import { Time } from './formFields.tsx';

/** Records a person can ask to import again: those that did not become (or join) an account. */
const retryable = (r: AccountCrmRecord) => (r.outcome === 'failed' || r.outcome === 'skipped') && r.provider === 'hubspot' && r.connectionStatus !== 'disconnected';

/**
 * Where the account came from in the CRM (issue 11): the HubSpot deal and company, what the sync did
 * and when, and its state in words (synced, or the problem: a missing domain, no template for the
 * pipeline, a revoked token…), with Retry for a record that failed or was skipped.
 */
export function CrmCard(p: { accountId: string; records: AccountCrmRecord[]; csrfToken: string }) {
  return (
    <section class="card" id="crm" aria-labelledby="crm-title">
      <h2 id="crm-title">CRM</h2>
      <ul class="timeline">
        {p.records.map((r) => {
          const provider = PROVIDER_LABELS[r.provider];
          const state = crmSyncState(r);
          const kind = r.provider === 'hubspot' ? 'deal' : 'record';
          return (
            <li data-crm-record={`${r.provider}:${r.externalId}`}>
              <p style="margin:0">
                <strong>{provider} {kind} {r.externalId}</strong>
                {' · '}{r.recordUrl ? <a href={r.recordUrl} target="_blank" rel="noopener noreferrer">Open the {kind} in {provider}</a> : null}
                {r.companyUrl ? <>{' · '}<a href={r.companyUrl} target="_blank" rel="noopener noreferrer">Open the company in {provider}</a></> : null}
              </p>
              <dl class="facts small" style="margin-top:4px">
                <dt>Outcome</dt><dd>{SYNC_OUTCOME_LABELS[r.outcome]}</dd>
                <dt>Last sync</dt><dd><Time at={r.syncedAt} /></dd>
                <dt>Status</dt>
                <dd data-crm-status>{state.ok ? <span class="status status-active">{state.text}</span> : <span class="field-error" style="margin:0">Sync error: {state.text}</span>}</dd>
              </dl>
              {retryable(r) ? (
                <form method="post" action={accountPath(p.accountId, '/crm/retry')}>
                  <CsrfField token={p.csrfToken} />
                  <input type="hidden" name="provider" value={r.provider} />
                  <input type="hidden" name="externalId" value={r.externalId} />
                  <button type="submit" class="secondary" aria-label={`Retry ${provider} ${kind} ${r.externalId}`}>Retry</button>
                </form>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
