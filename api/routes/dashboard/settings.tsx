import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { getHandoffQuestions, getOrganisationSettings, resetHandoffQuestions, updateOrganisationSettings } from '../../../db/repositories/organisations.ts';
import type { OrganisationSettings } from '../../../db/schema/organisations.ts';
import { DEFAULT_HANDOFF_QUESTIONS, handoffQuestionsOf } from '../../../domain/handoffQuestions.ts';
import {
  applyQuestionEditorOp, formValuesFromBody as questionFormValuesFromBody, formValuesFromQuestions, parseQuestionEditorOp, validateQuestionsForm,
  type QuestionsFormValues,
} from '../../../ui/components/settings/questionForm.ts';
import type { FormErrors } from '../../../ui/components/templates/templateForm.ts';
import { HandoffQuestionsPage } from '../../../ui/pages/HandoffQuestionsPage.tsx';
import { SettingsPage, type HandoffSettingsForm } from '../../../ui/pages/SettingsPage.tsx';
import { ForbiddenPage } from '../../../ui/pages/SignInPages.tsx';
import type { PageShell } from '../../../ui/pages/TemplatesPages.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { requireAdmin } from '../../middleware/requireAdmin.ts';
import { healthSettingsRoutes } from './healthSettings.tsx';
import { connectorSettingsRoutes } from './connectors.tsx';
import { readFormBody } from '../../middleware/storableInput.ts';

type Ctx = Context<DashboardEnv>;

const DAY_SECONDS = 86_400;
const MAX_DAYS = 90;
const MAX_REMINDERS = 5;

/** Days as people type them ("14", "0.5"); stored as whole seconds, which is what the workflow takes. */
const days = (label: string) => z.string().trim()
  .min(1, `${label} is required`)
  .regex(/^\d+(\.\d+)?$/, `${label} must be a number of days, like 7 or 0.5`)
  .transform(Number)
  .pipe(z.number().min(0.01, `${label} must be at least 0.01 days`).max(MAX_DAYS, `${label} is at most ${MAX_DAYS} days`))
  .transform((d) => Math.round(d * DAY_SECONDS));

const reminderList = z.string().trim()
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
  .pipe(z.array(days('Each reminder')).max(MAX_REMINDERS, `At most ${MAX_REMINDERS} reminders`))
  .refine((list) => list.every((s, i) => i === 0 || s > list[i - 1]!), 'List reminders in increasing order, each once');

export const handoffSettingsSchema = z.object({
  tokenLifetimeDays: days('Link lifetime'),
  reminderDelaysDays: reminderList,
  escalationDelayDays: days('Escalation delay'),
}).superRefine((s, ctx) => {
  // The workflow would still run them, but a reminder after the admins were told helps nobody.
  if (s.reminderDelaysDays.some((r) => r >= s.escalationDelayDays)) {
    ctx.addIssue({ code: 'custom', path: ['reminderDelaysDays'], message: 'Every reminder must come before the escalation' });
  }
}).transform((s): Pick<OrganisationSettings, 'handoffTokenTtlSeconds' | 'handoffReminderDelaysSeconds' | 'handoffEscalationDelaySeconds'> => ({
  handoffTokenTtlSeconds: s.tokenLifetimeDays,
  handoffReminderDelaysSeconds: s.reminderDelaysDays,
  handoffEscalationDelaySeconds: s.escalationDelayDays,
}));

const asDays = (seconds: number) => String(Number((seconds / DAY_SECONDS).toFixed(4)));

function formFromSettings(s: OrganisationSettings): HandoffSettingsForm {
  return {
    tokenLifetimeDays: asDays(s.handoffTokenTtlSeconds),
    reminderDelaysDays: s.handoffReminderDelaysSeconds.map(asDays).join(', '),
    escalationDelayDays: asDays(s.handoffEscalationDelaySeconds),
  };
}

const questionsSummary = (s: OrganisationSettings) => ({ count: handoffQuestionsOf(s).length, usingDefaults: !s.handoffQuestions?.length });

/**
 * Admin-only organisation settings. The account workflow gets these as its input when the account
 * is created (services/createAccount.ts), so a change applies to new handoffs only.
 */
export function settingsRoutes(deps: AppDeps) {
  const adminOnly = requireAdmin((c) => c.html(<ForbiddenPage message="Only admins can change settings." />, 403));
  const shell = (c: Ctx): PageShell => ({ viewer: c.get('user'), csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox });
  const text = (v: unknown) => (typeof v === 'string' ? v : '');

  async function questionsPage(c: Ctx, values: QuestionsFormValues, errors: FormErrors, status: 200 | 400 | 422, flash?: string) {
    const settings = await getOrganisationSettings(deps.db, c.get('user').orgId);
    return c.html(
      <HandoffQuestionsPage {...shell(c)} values={values} errors={errors} usingDefaults={!settings.handoffQuestions?.length} {...(flash ? { flash } : {})} />,
      status,
    );
  }

  return new Hono<DashboardEnv>()
    .use('*', adminOnly)
    // /settings/health (weights, bands, schedule, score now) and /settings/write-keys, behind the same admin check.
    .route('/', healthSettingsRoutes(deps))
    // /settings/connectors: HubSpot and Notion connections (issue 11), behind the same admin check.
    .route('/connectors', connectorSettingsRoutes(deps))
    .get('/', async (c) => {
      const settings = await getOrganisationSettings(deps.db, c.get('user').orgId);
      return c.html(<SettingsPage {...shell(c)} values={formFromSettings(settings)} errors={{}} saved={c.req.query('saved') === '1'} questions={questionsSummary(settings)} />);
    })
    .get('/questions', async (c) => {
      const settings = await getOrganisationSettings(deps.db, c.get('user').orgId);
      const flash = c.req.query('saved') ? 'Saved. Handoffs drafted from now on ask these questions.'
        : c.req.query('reset') ? 'Reset: handoffs drafted from now on ask the default questions.' : undefined;
      return questionsPage(c, formValuesFromQuestions(handoffQuestionsOf(settings)), {}, 200, flash);
    })
    .post('/questions', async (c) => {
      const { body, refused } = await readFormBody(c);
      const values = questionFormValuesFromBody(body);
      const op = parseQuestionEditorOp(body._op);
      if (!op) return questionsPage(c, values, { form: 'That button is not part of this form. Nothing was saved.' }, 400);
      // Text refused under the text rule: shown beside its field (without it), whatever button was pressed.
      if (Object.keys(refused).length) return questionsPage(c, values, refused, 422);
      if (op.op !== 'save') return questionsPage(c, applyQuestionEditorOp(values, op), {}, 200);
      const orgId = c.get('user').orgId;
      const checked = validateQuestionsForm(values, [...DEFAULT_HANDOFF_QUESTIONS, ...await getHandoffQuestions(deps.db, orgId)]);
      if (!checked.ok) return questionsPage(c, values, checked.errors, 422);
      await updateOrganisationSettings(deps.db, orgId, { handoffQuestions: checked.questions });
      return c.redirect('/settings/questions?saved=1', 303);
    })
    .post('/questions/reset', async (c) => {
      await resetHandoffQuestions(deps.db, c.get('user').orgId);
      return c.redirect('/settings/questions?reset=1', 303);
    })
    .post('/', async (c) => {
      const { body, refused } = await readFormBody(c);
      const values: HandoffSettingsForm = {
        tokenLifetimeDays: text(body.tokenLifetimeDays), reminderDelaysDays: text(body.reminderDelaysDays), escalationDelayDays: text(body.escalationDelayDays),
      };
      const parsed = handoffSettingsSchema.safeParse(values);
      if (!parsed.success || Object.keys(refused).length) {
        const errors: Record<string, string> = { ...refused };
        for (const issue of parsed.error?.issues ?? []) errors[String(issue.path[0] ?? 'tokenLifetimeDays')] ??= issue.message;
        const settings = await getOrganisationSettings(deps.db, c.get('user').orgId);
        return c.html(<SettingsPage {...shell(c)} values={values} errors={errors} questions={questionsSummary(settings)} />, 422);
      }
      await updateOrganisationSettings(deps.db, c.get('user').orgId, parsed.data);
      return c.redirect('/settings?saved=1', 303);
    });
}
