import type { ImportRecord, ImportRowRecord } from '../../db/repositories/imports.ts';
import type { ImportPreview } from '../../services/imports/previewImport.ts';
import { AppLayout, type Viewer } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import { count, dollars, plural } from '../format.ts';

interface Shell { viewer: Viewer; csrfToken: string; devOutbox: boolean }

const MAX_LISTED = 500;

const date = (d: Date | string | null) => (d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') : '—');

function UploadForm(p: { csrfToken: string; label: string }) {
  return (
    <form method="post" action="/imports" enctype="multipart/form-data">
      <CsrfField token={p.csrfToken} />
      <label for="import-file">CSV file (UTF-8, up to 5 MB and 10,000 accounts)</label>
      <input id="import-file" type="file" name="file" accept=".csv,text/csv" required />
      <button type="submit">{p.label}</button>
    </form>
  );
}

function StatusBadge(p: { status: string }) {
  const tone = p.status === 'completed' ? 'completed' : p.status === 'failed' ? 'at_risk' : p.status === 'running' ? 'active' : 'pending_handoff';
  return <span class={`status status-${tone}`}>{p.status}</span>;
}

/** /imports: the upload form and every import of the organisation, newest first. */
export function ImportsPage(p: Shell & { imports: ImportRecord[]; error?: string }) {
  return (
    <AppLayout title="Import accounts" section="imports" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head"><h1>Import accounts</h1></div>
      <div class="card">
        {p.error ? <p class="flash error" role="alert">{p.error}</p> : null}
        <p class="muted">
          Columns: company_name, arr, close_date, primary_contact_name, primary_contact_email, template_name, and optionally
          ae_email, primary_contact_role, industry, company_size, website, notes, raw_payload. Common names such as
          “Company”, “Revenue” or “Email” work too. Nothing is created until you confirm the preview.
        </p>
        <p><a href="/imports/template.csv">Download the template CSV</a> · <a href="/imports/export/accounts.csv">Export all accounts as CSV</a></p>
        <UploadForm csrfToken={p.csrfToken} label="Upload and preview" />
      </div>
      <h2>History</h2>
      <div class="card table-wrap">
        {p.imports.length ? (
          <table>
            <thead><tr><th>Uploaded</th><th>File</th><th>Status</th><th>Rows</th><th>Created</th><th class="hide-sm">Skipped</th><th class="hide-sm">Failed</th></tr></thead>
            <tbody>
              {p.imports.map((i) => (
                <tr>
                  <td><a href={`/imports/${i.id}`}>{date(i.createdAt)}</a></td>
                  <td>{i.filename}</td>
                  <td><StatusBadge status={i.status} /></td>
                  <td>{i.total}</td><td>{i.created}</td><td class="hide-sm">{i.skipped}</td><td class="hide-sm">{i.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : <p class="muted">No imports yet.</p>}
      </div>
    </AppLayout>
  );
}

function cell(input: Record<string, unknown> | null, field: string): string {
  const value = input?.[field];
  return value === undefined || value === null ? '' : String(value);
}

/** ARR as money when it read as a number; as typed otherwise (the row's error says why). */
function arrCell(input: Record<string, unknown> | null): string {
  const value = input?.arr;
  return typeof value === 'number' ? dollars(value) : cell(input, 'arr');
}

/** The preview of an upload: what is wrong, what is a duplicate, and what confirming would create. */
export function ImportPreviewPage(p: Shell & { preview: ImportPreview; firstRows: ImportRowRecord[] }) {
  const { preview } = p;
  const invalid = preview.total - preview.valid;
  // The errors table lists each bad cell; the summary counts rows: the heading says both.
  const rowsWithErrors = new Set(preview.errors.map((e) => e.row)).size;
  const columns = Object.entries(preview.columns);
  return (
    <AppLayout title={`Preview · ${preview.filename}`} section="imports" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head"><h1>Preview: {preview.filename}</h1><StatusBadge status={preview.status} /></div>
      {preview.alreadyImported ? (
        <p class="flash error" role="status">
          {preview.alreadyImported.message} <a href={`/imports/${preview.alreadyImported.importId}`}>See the earlier import</a>.
        </p>
      ) : null}
      <div class="card">
        <dl class="facts">
          <dt>Rows</dt><dd>{preview.total}</dd>
          <dt>Valid</dt><dd>{preview.valid}</dd>
          <dt>Rows with errors</dt><dd>{invalid}</dd>
          <dt>Duplicates</dt><dd>{preview.duplicates.length}</dd>
          <dt>Will be created</dt><dd><strong>{preview.toCreate}</strong></dd>
        </dl>
        <p class="muted small">
          Columns read: {columns.map(([field, header]) => `${header} → ${field}`).join(', ')}.
          {preview.ignoredColumns.length ? ` Ignored: ${preview.ignoredColumns.join(', ')}.` : ''}
        </p>
        {preview.toCreate > 0 ? (
          <form method="post" action={`/imports/${preview.id}/confirm`}>
            <CsrfField token={p.csrfToken} />
            <button type="submit">Create {plural(preview.toCreate, 'account')}</button>
            {invalid || preview.duplicates.length ? <p class="muted small">Rows with errors and duplicates are left out; fix them and upload again to add them later.</p> : null}
          </form>
        ) : <p><strong>Nothing to create from this file.</strong></p>}
      </div>

      {preview.errors.length ? (
        <>
          <h2>Errors: {plural(preview.errors.length, 'problem')} in {plural(rowsWithErrors, 'row')}</h2>
          <div class="card table-wrap">
            <table>
              <thead><tr><th>Row</th><th>Column</th><th>Problem</th></tr></thead>
              <tbody>{preview.errors.slice(0, MAX_LISTED).map((e) => <tr><td>{e.row}</td><td>{e.column}</td><td>{e.message}</td></tr>)}</tbody>
            </table>
            {preview.errors.length > MAX_LISTED ? <p class="muted">…and {preview.errors.length - MAX_LISTED} more.</p> : null}
          </div>
        </>
      ) : null}

      {preview.duplicates.length ? (
        <>
          <h2>Duplicates ({preview.duplicates.length})</h2>
          <div class="card table-wrap">
            <table>
              <thead><tr><th>Row</th><th>Domain</th><th>Already in</th></tr></thead>
              <tbody>
                {preview.duplicates.slice(0, MAX_LISTED).map((d) => (
                  <tr>
                    <td>{d.row}</td><td>{d.domain}</td>
                    <td>{d.existingAccountId ? <a href={`/accounts/${d.existingAccountId}`}>an existing account</a> : `row ${d.duplicateOfRow} of this file`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {preview.duplicates.length > MAX_LISTED ? <p class="muted">…and {preview.duplicates.length - MAX_LISTED} more.</p> : null}
          </div>
        </>
      ) : null}

      <h2>First rows</h2>
      <div class="card table-wrap">
        <table>
          <thead><tr><th>Row</th><th>Company</th><th>ARR</th><th class="hide-sm">Close date</th><th class="hide-sm">Contact</th><th>Template</th><th>Check</th></tr></thead>
          <tbody>
            {p.firstRows.map((r) => (
              <tr>
                <td>{r.rowNumber}</td><td>{cell(r.input, 'companyName')}</td><td>{arrCell(r.input)}</td>
                <td class="hide-sm">{cell(r.input, 'closeDate')}</td>
                <td class="hide-sm">{cell(r.input, 'primaryContactName')} {cell(r.input, 'primaryContactEmail')}</td>
                <td>{cell(r.input, 'templateName')}</td>
                <td>{r.errors.length ? <span class="field-error">{plural(r.errors.length, 'error')}</span> : r.duplicate ? 'duplicate' : r.outcome === 'skipped' ? 'already imported' : 'ok'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Fix and upload again</h2>
      <div class="card"><UploadForm csrfToken={p.csrfToken} label="Upload the corrected file" /></div>
    </AppLayout>
  );
}

/** A confirmed import: progress (refreshing itself while it runs, no script needed) and each row's outcome. */
export function ImportProgressPage(p: Shell & { record: ImportRecord; rows: ImportRowRecord[]; page: number; pageSize: number }) {
  const { record } = p;
  const done = record.created + record.skipped + record.failed;
  const percent = record.total ? Math.floor((done / record.total) * 100) : 100;
  const running = record.status === 'running';
  const pages = Math.max(1, Math.ceil(record.total / p.pageSize));
  return (
    <AppLayout title={`Import · ${record.filename}`} section="imports" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}
      head={running ? <meta http-equiv="refresh" content="2" /> : undefined}>
      <div class="page-head"><h1>Import: {record.filename}</h1><StatusBadge status={record.status} /></div>
      <div class="card">
        <p><strong>{percent}%</strong> · {count(done)} of {plural(record.total, 'row')} done{running ? ' (this page refreshes itself)' : ''}</p>
        <div class="progress" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <span style={`width:${percent}%`}></span>
        </div>
        <dl class="facts" style="margin-top:12px">
          <dt>Created</dt><dd>{record.created}</dd>
          <dt>Skipped</dt><dd>{record.skipped}</dd>
          <dt>Failed</dt><dd>{record.failed}</dd>
          <dt>Started</dt><dd>{date(record.startedAt)}</dd>
          <dt>Finished</dt><dd>{date(record.completedAt)}</dd>
        </dl>
        {record.status === 'failed' ? (
          <>
            <p class="flash error" role="alert">The import stopped: {record.error ?? 'unknown error'}. Rows already created stay; confirming again carries on with the rest.</p>
            <form method="post" action={`/imports/${record.id}/confirm`}><CsrfField token={p.csrfToken} /><button type="submit">Carry on</button></form>
          </>
        ) : null}
      </div>
      <h2>Rows</h2>
      <div class="card table-wrap">
        <table>
          <thead><tr><th>Row</th><th>Company</th><th>Outcome</th><th>Details</th></tr></thead>
          <tbody>
            {p.rows.map((r) => (
              <tr>
                <td>{r.rowNumber}</td>
                <td>{r.accountId ? <a href={`/accounts/${r.accountId}`}>{cell(r.input, 'companyName') || 'account'}</a> : cell(r.input, 'companyName')}</td>
                <td>{r.outcome}</td>
                <td>{r.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {pages > 1 ? (
          <nav class="pager" aria-label="Pages">
            {p.page > 1 ? <a href={`/imports/${record.id}?page=${p.page - 1}`}>Previous</a> : null}
            <span>Page {p.page} of {pages}</span>
            {p.page < pages ? <a href={`/imports/${record.id}?page=${p.page + 1}`}>Next</a> : null}
          </nav>
        ) : null}
      </div>
    </AppLayout>
  );
}
