import type { TemplateMilestone } from '../../domain/templates.ts';
import { AppLayout, type Viewer } from '../components/AppLayout.tsx';
import { TemplateEditor } from '../components/templates/TemplateEditor.tsx';
import type { FormErrors, TemplateFormValues } from '../components/templates/templateForm.ts';
import { plural } from '../format.ts';

export interface PageShell { viewer: Viewer; csrfToken: string; devOutbox: boolean }

export interface TemplateSummary {
  id: string;
  name: string;
  description: string;
  targetSegment: string;
  estimatedDurationDays: number;
  milestoneCount: number;
  currentVersion: number;
  accountsUsing: number;
}


export function TemplatesListPage(p: PageShell & { templates: TemplateSummary[]; flash?: string }) {
  const isAdmin = p.viewer.role === 'admin';
  return (
    <AppLayout title="Templates" section="templates" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head">
        <h1>Onboarding templates</h1>
        {isAdmin ? <a class="button" href="/templates/new">New template</a> : null}
      </div>
      {p.flash ? <p class="flash ok" role="status">{p.flash}</p> : null}
      <div class="card table-wrap">
        <table>
          <thead>
            <tr><th>Template</th><th class="hide-sm">Segment</th><th>Duration</th><th class="hide-sm">Milestones</th><th class="hide-sm">Version</th><th>Accounts</th></tr>
          </thead>
          <tbody>
            {p.templates.map((t) => (
              <tr>
                <td>
                  <a href={`/templates/${t.id}`}>{t.name}</a>
                  {t.description ? <div class="muted small">{t.description}</div> : null}
                </td>
                <td class="hide-sm">{t.targetSegment}</td>
                <td>{plural(t.estimatedDurationDays, 'day')}</td>
                <td class="hide-sm">{t.milestoneCount}</td>
                <td class="hide-sm">v{t.currentVersion}</td>
                <td>{t.accountsUsing}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {p.templates.length === 0 ? <p class="muted">No templates yet.</p> : null}
      </div>
    </AppLayout>
  );
}

function triggerText(a: TemplateMilestone['actions'][number]): string {
  if (a.trigger.type === 'manual') return 'manual';
  return a.trigger.delayHours === 0 ? 'when the milestone starts' : `${plural(a.trigger.delayHours, 'hour')} after the milestone starts`;
}

export interface TemplateVersionView {
  template: { id: string; name: string; currentVersion: number };
  version: { version: number; name: string; description: string; targetSegment: string; estimatedDurationDays: number; milestones: TemplateMilestone[]; createdAt: Date };
  history: { version: number; name: string; createdAt: Date }[];
}

export function TemplateVersionPage(p: PageShell & TemplateVersionView & { flash?: string }) {
  const v = p.version;
  const isCurrent = v.version === p.template.currentVersion;
  const milestones = [...v.milestones].sort((a, b) => a.sequence - b.sequence);
  return (
    <AppLayout title={v.name} section="templates" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <p class="small"><a href="/templates">← Templates</a></p>
      <div class="page-head">
        <h1>{v.name} <span class="muted small">version {v.version}{isCurrent ? ' (current)' : ''}</span></h1>
        {p.viewer.role === 'admin' ? <a class="button" href={`/templates/${p.template.id}/edit`}>Edit template</a> : null}
      </div>
      {p.flash ? <p class="flash ok" role="status">{p.flash}</p> : null}
      {!isCurrent ? <p class="flash error">This is an earlier version. Accounts that started on it keep it; new accounts get <a href={`/templates/${p.template.id}`}>version {p.template.currentVersion}</a>.</p> : null}
      <div class="card">
        {v.description ? <p>{v.description}</p> : null}
        <dl class="facts">
          <dt>Target segment</dt><dd>{v.targetSegment}</dd>
          <dt>Estimated duration</dt><dd>{plural(v.estimatedDurationDays, 'day')}</dd>
          <dt>Milestones</dt><dd>{milestones.length}</dd>
          <dt>Saved</dt><dd>{v.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</dd>
        </dl>
      </div>
      {milestones.map((m) => (
        <section class="card">
          <h2>{m.sequence}. {m.name} <span class="muted small">{plural(m.durationDays, 'day')}</span></h2>
          {m.actions.length === 0 ? <p class="muted">No actions.</p> : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Action</th><th>Type</th><th>Trigger</th><th class="hide-sm">Description</th></tr></thead>
                <tbody>
                  {m.actions.map((a) => (
                    <tr>
                      <td>{a.label}{a.blocker ? <> <span class="status status-at_risk">blocker</span></> : null}</td>
                      <td>{a.kind}</td>
                      <td>{triggerText(a)}</td>
                      <td class="hide-sm">{a.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
      <section class="card">
        <h2>Version history</h2>
        <ul>
          {p.history.map((h) => (
            <li>
              {h.version === v.version
                ? <strong>Version {h.version}</strong>
                : <a href={`/templates/${p.template.id}/versions/${h.version}`}>Version {h.version}</a>}
              {' '}<span class="muted small">{h.name} · {h.createdAt.toISOString().slice(0, 10)}{h.version === p.template.currentVersion ? ' · current' : ''}</span>
            </li>
          ))}
        </ul>
      </section>
    </AppLayout>
  );
}

export function TemplateEditorPage(p: PageShell & { mode: 'create' | 'edit'; templateId?: string; values: TemplateFormValues; errors: FormErrors }) {
  const title = p.mode === 'create' ? 'New template' : `Edit ${p.values.name || 'template'}`;
  const action = p.mode === 'create' ? '/templates/new' : `/templates/${p.templateId}/edit`;
  const cancelHref = p.mode === 'create' ? '/templates' : `/templates/${p.templateId}`;
  return (
    <AppLayout title={title} section="templates" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <p class="small"><a href={cancelHref}>← Back</a></p>
      <div class="page-head"><h1>{title}</h1></div>
      {p.mode === 'edit' ? <p class="muted">Saving creates a new version. Accounts already running keep the version they started with.</p> : null}
      <TemplateEditor action={action} csrfToken={p.csrfToken} values={p.values} errors={p.errors} cancelHref={cancelHref}
        submitLabel={p.mode === 'create' ? 'Create template' : 'Save new version'} />
    </AppLayout>
  );
}
