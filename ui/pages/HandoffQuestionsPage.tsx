import { AppLayout } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import { QuestionEditor } from '../components/settings/QuestionEditor.tsx';
import type { QuestionsFormValues } from '../components/settings/questionForm.ts';
import type { FormErrors } from '../components/templates/templateForm.ts';
import type { PageShell } from './TemplatesPages.tsx';

export function HandoffQuestionsPage(p: PageShell & {
  values: QuestionsFormValues; errors: FormErrors; usingDefaults: boolean; flash?: string;
}) {
  return (
    <AppLayout title="Handoff questions" section="settings" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head">
        <h1>Handoff questions</h1>
        <a href="/settings">Back to settings</a>
      </div>
      {p.flash ? <p class="flash ok" role="status">{p.flash}</p> : null}
      <p class="muted">
        What the AE is asked on the handoff page, in this order. Changes apply to handoffs drafted from now on;
        handoffs already sent keep the questions they were sent with.
        {p.usingDefaults ? ' This organisation uses the default questions.' : ''}
      </p>
      <QuestionEditor csrfToken={p.csrfToken} values={p.values} errors={p.errors} />
      {p.usingDefaults ? null : (
        <form class="card" method="post" action="/settings/questions/reset" style="margin-top:24px">
          <CsrfField token={p.csrfToken} />
          <h2>Start again</h2>
          <p class="muted">Replace this organisation's questions with Relay's default questions.</p>
          <button type="submit" class="secondary">Reset to the default questions</button>
        </form>
      )}
    </AppLayout>
  );
}
