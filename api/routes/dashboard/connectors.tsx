import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { getConnection, type ConnectionRow } from '../../../db/repositories/connectors.ts';
import { listTemplates } from '../../../db/repositories/templates.ts';
import { fieldErrors } from '../../../domain/accountInput.ts';
import {
  CONNECTOR_PROVIDERS, HUBSPOT_MAPPING_DEFAULTS, hubspotConnectionSchema, hubspotOAuthSetupSchema, type ConnectorProvider, type HubSpotMappedField,
} from '../../../domain/connectors.ts';
import { PROVIDER_LABELS } from '../../../domain/crmLinks.ts';
import { NOTION_MAPPED_FIELDS, type NotionSettings } from '../../../domain/notionConnector.ts';
import {
  connectHubSpotFromDashboard, connectorProviderOf, disconnectConnection, pauseConnection, resumeConnection, retryConnectorRecord, syncConnectionNow,
} from '../../../services/connectors/connections.ts';
import {
  listConnectionViews, previewHubSpotBackfill, previewHubSpotDeal, startHubSpotBackfill, updateHubSpotMapping,
} from '../../../services/connectors/hubspot.ts';
import {
  beginHubSpotOAuth, completeHubSpotOAuth, HUBSPOT_OAUTH_PROBLEMS, HubSpotOAuthFailed, hubspotOAuthRedirectUri, type HubSpotOAuthProblem,
} from '../../../services/connectors/hubspotOAuthInstall.ts';
import { connectNotion } from '../../../services/connectors/notion.ts';
import { RelayError, type ErrorCode } from '../../../services/errors.ts';
import type {
  ConnectionCardData, ConnectionView, HubSpotFormErrors, HubSpotFormField, HubSpotFormValues,
} from '../../../ui/components/settings/ConnectorCards.tsx';
import {
  NOTION_FORM_DEFAULTS, type BackfillState, type FormState, type HubSpotMappingValues, type HubSpotOAuthValues, type NotionFormValues, type TestDealState,
} from '../../../ui/components/settings/ConnectorForms.tsx';
import { ConnectorDisconnectPage, ConnectorsPage, type ConnectorsFlash, type HubSpotToolsPanel } from '../../../ui/pages/ConnectorsPage.tsx';
import { ForbiddenPage } from '../../../ui/pages/SignInPages.tsx';
import type { PageShell } from '../../../ui/pages/TemplatesPages.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { requireAdmin } from '../../middleware/requireAdmin.ts';
import { readFormBody } from '../../middleware/storableInput.ts';

type Ctx = Context<DashboardEnv>;

/** What the notice after an action reads from its redirect: names from closed lists and a deal number, never text to show as is. */
const doneQuerySchema = z.object({
  done: z.enum(['connected', 'synced', 'paused', 'resumed', 'disconnected', 'retried', 'mapped', 'backfill']),
  provider: z.enum(CONNECTOR_PROVIDERS).default('hubspot'),
  deal: z.string().regex(/^\d{1,30}$/).optional(),
  since: z.iso.date().optional(),
});

/** Why a HubSpot install came back unfinished (the callback's redirect): a name from a closed list. */
const oauthQuerySchema = z.object({ oauth: z.enum(Object.keys(HUBSPOT_OAUTH_PROBLEMS) as [HubSpotOAuthProblem, ...HubSpotOAuthProblem[]]) });

function doneMessage(q: z.infer<typeof doneQuerySchema>): string {
  const provider = PROVIDER_LABELS[q.provider];
  switch (q.done) {
    case 'connected': return q.provider === 'notion'
      ? 'Notion is connected. Rows that match become accounts at the next sync, every interval (or press Sync now).'
      : 'HubSpot is connected. Deals that reach a Closed Won stage become accounts within seconds; the search for any whose webhook never came runs every interval (or press Sync now).';
    case 'mapped': return 'The property mapping is saved: the next deal Relay reads (webhook, sync or test) uses it.';
    case 'backfill': return `Backfill started: Closed Won deals closed since ${q.since ?? 'the chosen date'} are being imported, each once. The counts update as each is done.`;
    case 'synced': return `Sync started: ${provider} records changed since the last run are being imported. The counts update as each is done.`;
    case 'paused': return `${provider} is paused: nothing is imported until you resume it.`;
    case 'resumed': return `${provider} is syncing again.`;
    case 'disconnected': return `${provider} is disconnected: its token and secret are wiped and its schedule deleted. The accounts and records it brought in stay.`;
    case 'retried': return `Retrying ${q.deal ? `deal ${q.deal}` : 'the deal'}: its outcome shows below once it has run (usually seconds).`;
  }
}

const STATUS_OF: Partial<Record<ErrorCode, ContentfulStatusCode>> = { validation: 400, not_found: 404, conflict: 409, unavailable: 503 };

const FORM_FIELDS: readonly HubSpotFormField[] = ['accessToken', 'clientSecret', 'portalId', 'closedWonStageIds', 'templateName', 'intervalMinutes'];
const FIELD_LABELS: Record<string, string> = {
  accessToken: 'The access token', clientSecret: 'The client secret', portalId: 'The portal ID', templateName: 'The template', 'a stage ID': 'Each stage ID',
};
/** A schema error's path (`closedWonStageIds.0`) as the form field it belongs to. */
const formFieldOf = (path: string): HubSpotFormField | 'form' => {
  const first = path.split('.')[0] as HubSpotFormField;
  return FORM_FIELDS.includes(first) ? first : 'form';
};
/** "accessToken looks too short" → "The access token looks too short": the API's words, for people. */
const inWords = (message: string) => message.replace(/^(accessToken|clientSecret|portalId|templateName|a stage ID)\b/, (m) => FIELD_LABELS[m] ?? m);

const MAX_INTERVAL = 1440;

/** Minutes as typed: a whole number from 1 to 1440, or NaN (the field's error says so). */
const minutesOf = (typed: string) => (/^\d{1,5}$/.test(typed.trim()) ? Number(typed.trim()) : Number.NaN);
const intervalProblem = (minutes: number) => (minutes >= 1 && minutes <= MAX_INTERVAL ? null : `Enter a whole number of minutes, from 1 to ${MAX_INTERVAL}`);

/** A connection form's template and polling interval, checked into `errors` by field; answers the interval in minutes, or null when it is bad. */
function checkTemplateAndInterval(values: { templateName: string; intervalMinutes: string }, templates: { name: string }[], errors: Record<string, string>): number | null {
  const interval = minutesOf(values.intervalMinutes);
  const badInterval = intervalProblem(interval);
  if (badInterval) errors.intervalMinutes ??= badInterval;
  if (!values.templateName) errors.templateName ??= 'Choose the template new accounts get';
  else if (!templates.some((t) => t.name === values.templateName)) errors.templateName ??= 'There is no template of this name: choose one of yours';
  return badInterval ? null : interval;
}
/** "the ARR property is required" → "The ARR property is required". */
const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1);

/** The page's forms and panels, as typed after a refused post or as the settings fill them. */
interface PageOptions {
  form?: { values: HubSpotFormValues; errors: HubSpotFormErrors };
  oauthForm?: FormState<HubSpotOAuthValues>;
  mapping?: FormState<HubSpotMappingValues>;
  backfill?: BackfillState;
  testDeal?: TestDealState;
  notionForm?: FormState<NotionFormValues>;
  open?: HubSpotToolsPanel['open'];
  flash?: ConnectorsFlash;
}

function hubspotSetupValues(row: ConnectionRow | null): HubSpotOAuthValues {
  const s = row?.settings ?? {};
  return {
    closedWonStageIds: Array.isArray(s.closedWonStageIds) ? (s.closedWonStageIds as string[]).join(', ') : 'closedwon',
    templateName: typeof s.templateName === 'string' ? s.templateName : '',
    intervalMinutes: typeof s.intervalMinutes === 'number' ? String(s.intervalMinutes) : '5',
  };
}

function mappingValues(row: ConnectionRow | null): HubSpotMappingValues {
  const mapping = row?.settings.mapping;
  if (!mapping || typeof mapping !== 'object') return {};
  return Object.fromEntries(Object.entries(mapping).filter(([k, v]) => k in HUBSPOT_MAPPING_DEFAULTS && typeof v === 'string')) as HubSpotMappingValues;
}

function notionValues(row: ConnectionRow | null): NotionFormValues {
  if (!row || row.provider !== 'notion') return NOTION_FORM_DEFAULTS;
  const s = row.settings as unknown as Partial<NotionSettings>;
  return {
    databaseId: s.databaseId ?? '', mapping: { ...s.mapping }, filterProperty: s.filter?.property ?? '', filterEquals: s.filter?.equals ?? '',
    templateName: s.templateName ?? '', templateProperty: s.templateProperty ?? '', intervalMinutes: String(s.intervalMinutes ?? 5),
  };
}

/** A refused service call's fields as a form's errors: each under its own field when the form has it, the rest under `form`. */
function formErrorsOf(error: RelayError, known: (field: string) => boolean): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { field, message } of error.details.fields ?? []) errors[known(field) ? field : 'form'] ??= sentence(message);
  if (!Object.keys(errors).length) errors.form = sentence(error.message);
  return errors;
}

/**
 * `/settings/connectors` (admins; mounted inside the settings router, behind its admin check): the
 * CRM connections' cards and every action on them, each a plain form (CSRF-checked) that redirects
 * back with a notice. The HubSpot form posts the same body `PUT /api/connectors/hubspot` takes to
 * the same service; its token and client secret are never rendered back, nor is Notion's token.
 */
export function connectorSettingsRoutes(deps: AppDeps) {
  const shell = (c: Ctx): PageShell => ({ viewer: c.get('user'), csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox });
  const temporalUi = `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}`;
  const cardOf = (view: ConnectionView | undefined): ConnectionCardData | null => (view ? {
    view,
    scheduleUrl: `${temporalUi}/schedules/${encodeURIComponent(view.scheduleId)}`,
    runsUrl: `${temporalUi}/workflows?query=${encodeURIComponent(`WorkflowId STARTS_WITH "${view.scheduleId}"`)}`,
  } : null);

  async function page(c: Ctx, opts: PageOptions, status: ContentfulStatusCode = 200) {
    const orgId = c.get('user').orgId;
    const [views, templates, hubspotRow, notionRow] = await Promise.all([
      listConnectionViews(deps.db, orgId), listTemplates(deps.db, orgId), getConnection(deps.db, orgId, 'hubspot'), getConnection(deps.db, orgId, 'notion'),
    ]);
    return c.html(
      <ConnectorsPage {...shell(c)} hubspot={cardOf(views.find((v) => v.provider === 'hubspot'))} notion={cardOf(views.find((v) => v.provider === 'notion'))}
        templates={templates} publicUrl={deps.publicUrl} form={opts.form ?? null} flash={opts.flash}
        hubspotOAuth={{ configured: deps.hubspotOAuth !== undefined, redirectUri: hubspotOAuthRedirectUri(deps.publicUrl), form: opts.oauthForm ?? { values: hubspotSetupValues(hubspotRow), errors: {} } }}
        hubspotTools={{
          mapping: opts.mapping ?? { values: mappingValues(hubspotRow), errors: {} }, backfill: opts.backfill ?? { since: '' },
          testDeal: opts.testDeal ?? { dealId: '' }, open: opts.open ?? null,
        }}
        notionForm={{ form: opts.notionForm ?? { values: notionValues(notionRow), errors: {} }, open: opts.notionForm !== undefined }} />,
      status,
    );
  }

  /** A refusal the page shows (not connected, paused, Temporal down), or null for anything else. */
  const refusal = (error: unknown) => (error instanceof RelayError && STATUS_OF[error.code] ? { error, status: STATUS_OF[error.code]! } : null);

  /** Runs an action and goes back to the page with its notice; a refusal (not connected, paused, Temporal down) is an error notice on the page. */
  async function act(c: Ctx, action: () => Promise<string>) {
    try {
      return c.redirect(`/settings/connectors?${await action()}`, 303);
    } catch (error) {
      const refused = refusal(error);
      if (!refused) throw error;
      return page(c, { flash: { kind: 'error', text: `Not done: ${refused.error.message}` } }, refused.status);
    }
  }

  return new Hono<DashboardEnv>()
    .get('/', async (c) => {
      const done = doneQuerySchema.safeParse(c.req.query());
      if (done.success) return page(c, { flash: { kind: 'ok', text: doneMessage(done.data) } });
      const oauth = oauthQuerySchema.safeParse(c.req.query());
      return page(c, oauth.success ? { flash: { kind: 'error', text: `HubSpot was not connected: ${HUBSPOT_OAUTH_PROBLEMS[oauth.data.oauth]}` } } : {});
    })

    .post('/hubspot', async (c) => {
      const { body, refused } = await readFormBody(c);
      const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
      const values: HubSpotFormValues = {
        portalId: text('portalId'), closedWonStageIds: text('closedWonStageIds'), templateName: text('templateName'), intervalMinutes: text('intervalMinutes'),
      };
      const orgId = c.get('user').orgId;
      const [templates, existing] = await Promise.all([listTemplates(deps.db, orgId), getConnection(deps.db, orgId, 'hubspot')]);
      const errors: HubSpotFormErrors = {};
      for (const [field, message] of Object.entries(refused)) errors[formFieldOf(field)] ??= message;
      const interval = /^\d{1,5}$/.test(values.intervalMinutes.trim()) ? Number(values.intervalMinutes.trim()) : Number.NaN;
      if (!(interval >= 1 && interval <= MAX_INTERVAL)) errors.intervalMinutes ??= `Enter a whole number of minutes, from 1 to ${MAX_INTERVAL}`;
      if (values.templateName && !templates.some((t) => t.name === values.templateName)) errors.templateName ??= 'There is no template of this name: choose one of yours';
      // The per-pipeline templates (set through the API) and the mapping (its own form) are kept by a reconnect here.
      const pipelineTemplates = existing?.settings.pipelineTemplates;
      const mapping = existing?.settings.mapping;
      const candidate = {
        accessToken: text('accessToken'), clientSecret: text('clientSecret'), portalId: values.portalId,
        closedWonStageIds: values.closedWonStageIds.split(',').map((s) => s.trim()).filter(Boolean),
        templateName: values.templateName, ...(Number.isNaN(interval) ? {} : { intervalMinutes: interval }),
        ...(pipelineTemplates && typeof pipelineTemplates === 'object' ? { pipelineTemplates } : {}),
        ...(mapping && typeof mapping === 'object' ? { mapping } : {}),
      };
      const parsed = hubspotConnectionSchema.safeParse(candidate);
      for (const { field, message } of parsed.success ? [] : fieldErrors(parsed.error)) errors[formFieldOf(field)] ??= inWords(message);
      if (!values.templateName) errors.templateName ??= 'Choose the template new accounts get';
      if (Object.keys(errors).length) return page(c, { form: { values, errors } }, 422);
      try {
        await connectHubSpotFromDashboard(deps, orgId, candidate);
      } catch (error) {
        if (!(error instanceof RelayError) || !STATUS_OF[error.code]) throw error;
        const fields = error.code === 'validation' ? error.details.fields ?? [] : [];
        const formErrors: HubSpotFormErrors = {};
        for (const { field, message } of fields) formErrors[formFieldOf(field)] ??= inWords(message);
        return page(c, { form: { values, errors: formErrors }, flash: { kind: 'error', text: `HubSpot was not connected: ${error.message}` } }, error.code === 'validation' ? 422 : STATUS_OF[error.code]);
      }
      return c.redirect('/settings/connectors?done=connected', 303);
    })

    // "Connect with HubSpot": the settings checked, a state cookie set, then HubSpot's authorize page.
    .post('/hubspot/oauth/start', async (c) => {
      const { body, refused } = await readFormBody(c);
      const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
      const values: HubSpotOAuthValues = { closedWonStageIds: text('closedWonStageIds'), templateName: text('templateName'), intervalMinutes: text('intervalMinutes') };
      const user = c.get('user');
      const [templates, existing] = await Promise.all([listTemplates(deps.db, user.orgId), getConnection(deps.db, user.orgId, 'hubspot')]);
      const errors: Record<string, string> = { ...refused };
      const interval = checkTemplateAndInterval(values, templates, errors);
      const kept = existing && existing.status !== 'disconnected' ? existing.settings : {};
      const setup = {
        closedWonStageIds: values.closedWonStageIds.split(',').map((v) => v.trim()).filter(Boolean), templateName: values.templateName,
        ...(interval === null ? {} : { intervalMinutes: interval }),
        ...(kept.pipelineTemplates && typeof kept.pipelineTemplates === 'object' ? { pipelineTemplates: kept.pipelineTemplates } : {}),
        ...(kept.mapping && typeof kept.mapping === 'object' ? { mapping: kept.mapping } : {}),
      };
      const parsed = hubspotOAuthSetupSchema.safeParse(setup);
      for (const { field, message } of parsed.success ? [] : fieldErrors(parsed.error)) errors[field.split('.')[0]!] ??= inWords(message);
      if (Object.keys(errors).length) return page(c, { oauthForm: { values, errors } }, 422);
      let started;
      try {
        started = await beginHubSpotOAuth(deps, { orgId: user.orgId, userId: user.id, sessionId: c.get('sessionId') }, setup);
      } catch (error) {
        if (error instanceof HubSpotOAuthFailed) return page(c, { flash: { kind: 'error', text: `HubSpot was not connected: ${error.message}` } }, 409);
        const refusedNow = refusal(error);
        if (!refusedNow) throw error;
        return page(c, { oauthForm: { values, errors: {} }, flash: { kind: 'error', text: `HubSpot was not connected: ${refusedNow.error.message}` } }, refusedNow.status);
      }
      setCookie(c, HUBSPOT_OAUTH_COOKIE, started.cookie, {
        path: HUBSPOT_OAUTH_COOKIE_PATH, httpOnly: true, sameSite: 'Lax', secure: deps.secureCookies, maxAge: started.maxAgeSeconds,
      });
      return c.redirect(started.url, 303);
    })

    .post('/hubspot/mapping', async (c) => {
      const { body, refused } = await readFormBody(c);
      const values: HubSpotMappingValues = {};
      for (const field of Object.keys(HUBSPOT_MAPPING_DEFAULTS) as HubSpotMappedField[]) {
        const typed = body[field];
        if (typeof typed === 'string' && typed.trim()) values[field] = typed.trim();
      }
      const errors: Record<string, string> = Object.fromEntries(Object.entries(refused).map(([k, v]) => [`mapping.${k}`, v]));
      if (!Object.keys(errors).length) {
        try {
          await updateHubSpotMapping(deps, c.get('user').orgId, { mapping: values });
          return c.redirect('/settings/connectors?done=mapped', 303);
        } catch (error) {
          const refusedNow = refusal(error);
          if (!refusedNow) throw error;
          if (refusedNow.error.code !== 'validation') return page(c, { flash: { kind: 'error', text: `Not saved: ${refusedNow.error.message}` } }, refusedNow.status);
          for (const [field, message] of Object.entries(formErrorsOf(refusedNow.error, (f) => f.startsWith('mapping.')))) {
            errors[field] ??= message.replace(/^Mapping\.\w+ must be /, 'Enter ');
          }
        }
      }
      return page(c, { mapping: { values, errors }, open: 'mapping', flash: { kind: 'error', text: 'The mapping was not saved: fix the fields marked below.' } }, 422);
    })

    .post('/hubspot/backfill/preview', async (c) => {
      const { body } = await readFormBody(c);
      const since = typeof body.since === 'string' ? body.since.trim() : '';
      try {
        const preview = await previewHubSpotBackfill(deps, c.get('user').orgId, { since });
        return page(c, { backfill: { since, preview: { deals: preview.deals } }, open: 'backfill' });
      } catch (error) {
        const refusedNow = refusal(error);
        if (!refusedNow) throw error;
        if (refusedNow.error.code === 'validation') return page(c, { backfill: { since, error: sentence(refusedNow.error.details.fields?.[0]?.message ?? refusedNow.error.message) }, open: 'backfill' }, 422);
        return page(c, { backfill: { since }, open: 'backfill', flash: { kind: 'error', text: `No preview: ${refusedNow.error.message}` } }, refusedNow.status);
      }
    })

    .post('/hubspot/backfill', async (c) => {
      const { body } = await readFormBody(c);
      const since = typeof body.since === 'string' ? body.since.trim() : '';
      return act(c, async () => {
        await startHubSpotBackfill(deps, c.get('user').orgId, { since });
        return `done=backfill&since=${encodeURIComponent(since)}`;
      });
    })

    // "Test with a deal": a GET (it changes nothing), so the result is a page one can reload or link to.
    .get('/hubspot/test-deal', async (c) => {
      const dealId = (c.req.query('dealId') ?? '').trim();
      try {
        const result = await previewHubSpotDeal(deps, c.get('user').orgId, dealId);
        return page(c, { testDeal: { dealId, result }, open: 'test' });
      } catch (error) {
        const refusedNow = refusal(error);
        if (!refusedNow) throw error;
        const message = refusedNow.error.code === 'validation' ? 'Enter the deal\'s ID: the number at the end of its HubSpot URL' : sentence(refusedNow.error.message);
        return page(c, { testDeal: { dealId, error: message }, open: 'test' }, refusedNow.status);
      }
    })

    .post('/notion', async (c) => {
      const { body, refused } = await readFormBody(c);
      const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
      const values: NotionFormValues = {
        databaseId: text('databaseId'), mapping: Object.fromEntries(NOTION_MAPPED_FIELDS.map((f) => [f, text(`mapping.${f}`)])),
        filterProperty: text('filter.property'), filterEquals: text('filter.equals'), templateName: text('templateName'),
        templateProperty: text('templateProperty'), intervalMinutes: text('intervalMinutes') || '5',
      };
      const orgId = c.get('user').orgId;
      const templates = await listTemplates(deps.db, orgId);
      const errors: Record<string, string> = { ...refused };
      const interval = checkTemplateAndInterval(values, templates, errors);
      if (values.filterProperty && !values.filterEquals) errors['filter.equals'] ??= 'Enter the value rows must have, or leave both filter fields empty';
      if (!values.filterProperty && values.filterEquals) errors['filter.property'] ??= 'Name the property to filter on, or leave both filter fields empty';
      const candidate = {
        token: text('token'), databaseId: values.databaseId,
        mapping: Object.fromEntries(Object.entries(values.mapping).filter(([f, v]) => v || ['companyName', 'arr', 'closeDate', 'primaryContactName', 'primaryContactEmail'].includes(f))),
        ...(values.filterProperty && values.filterEquals ? { filter: { property: values.filterProperty, equals: values.filterEquals } } : {}),
        templateName: values.templateName, ...(values.templateProperty ? { templateProperty: values.templateProperty } : {}),
        ...(interval === null ? {} : { intervalMinutes: interval }),
      };
      const known = (field: string) => ['token', 'databaseId', 'templateName', 'templateProperty', 'intervalMinutes', 'filter.property', 'filter.equals'].includes(field)
        || NOTION_MAPPED_FIELDS.some((f) => field === `mapping.${f}`);
      if (!Object.keys(errors).length) {
        try {
          await connectNotion(deps, orgId, candidate);
          return c.redirect('/settings/connectors?done=connected&provider=notion', 303);
        } catch (error) {
          const refusedNow = refusal(error);
          if (!refusedNow) throw error;
          if (refusedNow.error.code !== 'validation') {
            return page(c, { notionForm: { values, errors: {} }, flash: { kind: 'error', text: `Notion was not connected: ${refusedNow.error.message}` } }, refusedNow.status);
          }
          Object.assign(errors, formErrorsOf(refusedNow.error, known));
        }
      }
      return page(c, { notionForm: { values, errors }, flash: { kind: 'error', text: 'Notion was not connected: fix the fields marked below, and enter the token again.' } }, 422);
    })

    .post('/hubspot/deals/:dealId/retry', (c) => act(c, async () => {
      const dealId = c.req.param('dealId');
      await retryConnectorRecord(deps, c.get('user').orgId, 'hubspot', dealId);
      return `done=retried&deal=${encodeURIComponent(dealId)}`;
    }))

    .post('/:provider/sync', (c) => act(c, async () => {
      const provider = connectorProviderOf(c.req.param('provider'));
      await syncConnectionNow(deps, c.get('user').orgId, provider);
      return `done=synced&provider=${provider}`;
    }))

    .post('/:provider/pause', (c) => act(c, async () => {
      const provider = connectorProviderOf(c.req.param('provider'));
      await pauseConnection(deps, c.get('user').orgId, provider);
      return `done=paused&provider=${provider}`;
    }))

    .post('/:provider/resume', (c) => act(c, async () => {
      const provider = connectorProviderOf(c.req.param('provider'));
      await resumeConnection(deps, c.get('user').orgId, provider);
      return `done=resumed&provider=${provider}`;
    }))

    // The confirm step: a page of its own (no script), whose form carries confirm=disconnect.
    .get('/:provider/disconnect', async (c) => {
      const parsed = z.enum(CONNECTOR_PROVIDERS).safeParse(c.req.param('provider'));
      if (!parsed.success) return page(c, { flash: { kind: 'error', text: 'There is no such connector.' } }, 404);
      const provider: ConnectorProvider = parsed.data;
      const view = (await listConnectionViews(deps.db, c.get('user').orgId)).find((v) => v.provider === provider);
      if (!view || view.status === 'disconnected') return page(c, { flash: { kind: 'error', text: `${PROVIDER_LABELS[provider]} is not connected.` } }, 404);
      return c.html(<ConnectorDisconnectPage {...shell(c)} provider={provider} view={view} />);
    })

    .post('/:provider/disconnect', async (c) => {
      const { body } = await readFormBody(c);
      if (body.confirm !== 'disconnect') return c.redirect(`/settings/connectors/${encodeURIComponent(c.req.param('provider'))}/disconnect`, 303);
      return act(c, async () => {
        const provider = connectorProviderOf(c.req.param('provider'));
        await disconnectConnection(deps, c.get('user').orgId, provider);
        return `done=disconnected&provider=${provider}`;
      });
    });
}

/** The install's state cookie: sealed, HttpOnly, sent back only to the callback's path. */
const HUBSPOT_OAUTH_COOKIE = 'relay_hubspot_oauth';
const HUBSPOT_OAUTH_COOKIE_PATH = '/connectors/hubspot/oauth';

/**
 * `GET /connectors/hubspot/oauth/callback` (mounted at `/connectors`, behind the dashboard's
 * session): where HubSpot sends the admin back. The state cookie is spent whatever happens; the
 * page then says what became of the install.
 */
export function hubspotOAuthCallbackRoutes(deps: AppDeps) {
  return new Hono<DashboardEnv>()
    .use('*', requireAdmin((c) => c.html(<ForbiddenPage message="Only admins connect CRMs." />, 403)))
    .get('/hubspot/oauth/callback', async (c) => {
      const cookie = getCookie(c, HUBSPOT_OAUTH_COOKIE);
      deleteCookie(c, HUBSPOT_OAUTH_COOKIE, { path: HUBSPOT_OAUTH_COOKIE_PATH, httpOnly: true, sameSite: 'Lax', secure: deps.secureCookies });
      const user = c.get('user');
      try {
        await completeHubSpotOAuth(deps, { orgId: user.orgId, userId: user.id, sessionId: c.get('sessionId') }, c.req.query(), cookie);
      } catch (error) {
        if (error instanceof HubSpotOAuthFailed) return c.redirect(`/settings/connectors?oauth=${error.problem}`, 303);
        if (error instanceof RelayError && error.code === 'unavailable') return c.redirect('/settings/connectors?oauth=unavailable', 303);
        throw error;
      }
      return c.redirect('/settings/connectors?done=connected', 303);
    });
}
