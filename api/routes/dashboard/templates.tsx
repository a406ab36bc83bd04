import { Hono, type Context } from 'hono';
import { getTemplateWithHistory, listTemplateSummaries, saveTemplateRevision } from '../../../db/repositories/templates.ts';
import {
  applyEditorOp, emptyTemplateForm, formValuesFromBody, formValuesFromDefinition, parseEditorOp, validateTemplateForm,
  type FormErrors, type TemplateFormValues,
} from '../../../ui/components/templates/templateForm.ts';
import { ForbiddenPage } from '../../../ui/pages/SignInPages.tsx';
import { TemplateEditorPage, TemplatesListPage, TemplateVersionPage, type PageShell } from '../../../ui/pages/TemplatesPages.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { requireAdmin } from '../../middleware/requireAdmin.ts';
import { readFormBody } from '../../middleware/storableInput.ts';

type Ctx = Context<DashboardEnv>;

/** Everyone reads templates; only admins create or change them (SPEC §2, §4). */
export function templatesRoutes(deps: AppDeps) {
  const adminOnly = requireAdmin((c) => c.html(<ForbiddenPage message="Only admins can create or change templates." />, 403));
  const shell = (c: Ctx): PageShell => ({ viewer: c.get('user'), csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox });

  const editor = (c: Ctx, templateId: string | null, values: TemplateFormValues, errors: FormErrors, status: 200 | 400 | 422) => c.html(
    <TemplateEditorPage {...shell(c)} mode={templateId ? 'edit' : 'create'} {...(templateId ? { templateId } : {})} values={values} errors={errors} />,
    status,
  );

  /**
   * One handler for both forms: a structural button re-renders the edited form, "save" validates and
   * stores a new version (or nothing, when nothing changed).
   */
  async function submitEditor(c: Ctx, templateId: string | null) {
    const { body, refused } = await readFormBody(c);
    const values = formValuesFromBody(body);
    const op = parseEditorOp(body._op);
    if (!op) return editor(c, templateId, values, { form: 'That button is not part of this form. Nothing was saved.' }, 400);
    // Text refused under the text rule: shown beside its field (without it), whatever button was pressed.
    if (Object.keys(refused).length) return editor(c, templateId, values, refused, 422);
    if (op.op !== 'save') return editor(c, templateId, applyEditorOp(values, op), {}, 200);
    const checked = validateTemplateForm(values);
    if (!checked.ok) return editor(c, templateId, values, checked.errors, 422);
    const result = await saveTemplateRevision(deps.db, c.get('user').orgId, templateId, checked.definition);
    switch (result.outcome) {
      case 'not_found':
        return c.notFound();
      case 'name_taken':
        return editor(c, templateId, values, { name: 'Another template in this organisation already has this name. Choose a different one.' }, 422);
      case 'unchanged':
        return c.redirect(`/templates/${result.templateId}?unchanged=1`, 303);
      case 'saved':
        return c.redirect(`/templates/${result.templateId}?saved=${result.version}`, 303);
    }
  }

  async function showVersion(c: Ctx, version?: number) {
    const found = await getTemplateWithHistory(deps.db, c.get('user').orgId, c.req.param('id') ?? '', version);
    if (!found) return c.notFound();
    const saved = c.req.query('saved');
    const flash = c.req.query('unchanged') ? 'Nothing had changed, so no new version was saved.'
      : saved ? `Saved as version ${saved}. Accounts already running keep their version.` : undefined;
    return c.html(<TemplateVersionPage {...shell(c)} {...found} {...(flash ? { flash } : {})} />);
  }

  return new Hono<DashboardEnv>()
    .get('/', async (c) => {
      const templates = await listTemplateSummaries(deps.db, c.get('user').orgId);
      return c.html(<TemplatesListPage {...shell(c)} templates={templates} />);
    })
    // Before /:id, so "new" is not read as a template ID.
    .get('/new', adminOnly, (c) => editor(c, null, emptyTemplateForm(), {}, 200))
    .post('/new', adminOnly, (c) => submitEditor(c, null))
    .get('/:id', (c) => showVersion(c))
    .get('/:id/versions/:version', (c) => {
      const version = c.req.param('version');
      return /^\d{1,6}$/.test(version) ? showVersion(c, Number(version)) : c.notFound();
    })
    .get('/:id/edit', adminOnly, async (c) => {
      const found = await getTemplateWithHistory(deps.db, c.get('user').orgId, c.req.param('id'));
      if (!found) return c.notFound();
      return editor(c, found.template.id, formValuesFromDefinition(found.version), {}, 200);
    })
    .post('/:id/edit', adminOnly, async (c) => {
      // Checked before reading the form, so another organisation's ID is a 404 whatever was posted.
      const found = await getTemplateWithHistory(deps.db, c.get('user').orgId, c.req.param('id'));
      if (!found) return c.notFound();
      return submitEditor(c, found.template.id);
    });
}
