import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { getConnection } from '../../../db/repositories/connectors.ts';
import { listTemplates } from '../../../db/repositories/templates.ts';
import { fieldErrors } from '../../../domain/accountInput.ts';
import { CONNECTOR_PROVIDERS, hubspotConnectionSchema, type ConnectorProvider } from '../../../domain/connectors.ts';
import { PROVIDER_LABELS } from '../../../domain/crmLinks.ts';
import {
  connectHubSpotFromDashboard, connectorProviderOf, disconnectConnection, pauseConnection, resumeConnection, retryConnectorRecord, syncConnectionNow,
} from '../../../services/connectors/connections.ts';
import { listConnectionViews } from '../../../services/connectors/hubspot.ts';
import { RelayError, type ErrorCode } from '../../../services/errors.ts';
import type {
  ConnectionCardData, ConnectionView, HubSpotFormErrors, HubSpotFormField, HubSpotFormValues,
} from '../../../ui/components/settings/ConnectorCards.tsx';
import { ConnectorDisconnectPage, ConnectorsPage, type ConnectorsFlash } from '../../../ui/pages/ConnectorsPage.tsx';
import type { PageShell } from '../../../ui/pages/TemplatesPages.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { readFormBody } from '../../middleware/storableInput.ts';

type Ctx = Context<DashboardEnv>;

/** What the notice after an action reads from its redirect: names from closed lists and a deal number, never text to show as is. */
const doneQuerySchema = z.object({
  done: z.enum(['connected', 'synced', 'paused', 'resumed', 'disconnected', 'retried']),
  provider: z.enum(CONNECTOR_PROVIDERS).default('hubspot'),
  deal: z.string().regex(/^\d{1,30}$/).optional(),
});

function doneMessage(q: z.infer<typeof doneQuerySchema>): string {
  const provider = PROVIDER_LABELS[q.provider];
  switch (q.done) {
    case 'connected': return 'HubSpot is connected. Deals that reach a Closed Won stage become accounts within seconds; the search for any whose webhook never came runs every interval (or press Sync now).';
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

/**
 * `/settings/connectors` (admins; mounted inside the settings router, behind its admin check): the
 * CRM connections' cards and every action on them, each a plain form (CSRF-checked) that redirects
 * back with a notice. The HubSpot form posts the same body `PUT /api/connectors/hubspot` takes to
 * the same service; its token and client secret are never rendered back.
 */
export function connectorSettingsRoutes(deps: AppDeps) {
  const shell = (c: Ctx): PageShell => ({ viewer: c.get('user'), csrfToken: c.get('csrfToken'), devOutbox: deps.devOutbox });
  const temporalUi = `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}`;
  const cardOf = (view: ConnectionView | undefined): ConnectionCardData | null => (view ? {
    view,
    scheduleUrl: `${temporalUi}/schedules/${encodeURIComponent(view.scheduleId)}`,
    runsUrl: `${temporalUi}/workflows?query=${encodeURIComponent(`WorkflowId STARTS_WITH "${view.scheduleId}"`)}`,
  } : null);

  async function page(c: Ctx, opts: { form?: { values: HubSpotFormValues; errors: HubSpotFormErrors }; flash?: ConnectorsFlash }, status: ContentfulStatusCode = 200) {
    const orgId = c.get('user').orgId;
    const [views, templates] = await Promise.all([listConnectionViews(deps.db, orgId), listTemplates(deps.db, orgId)]);
    return c.html(
      <ConnectorsPage {...shell(c)} hubspot={cardOf(views.find((v) => v.provider === 'hubspot'))} notion={cardOf(views.find((v) => v.provider === 'notion'))}
        templates={templates} publicUrl={deps.publicUrl} form={opts.form ?? null} flash={opts.flash} />,
      status,
    );
  }

  /** Runs an action and goes back to the page with its notice; a refusal (not connected, paused, Temporal down) is an error notice on the page. */
  async function act(c: Ctx, action: () => Promise<string>) {
    try {
      return c.redirect(`/settings/connectors?${await action()}`, 303);
    } catch (error) {
      if (!(error instanceof RelayError) || !STATUS_OF[error.code]) throw error;
      return page(c, { flash: { kind: 'error', text: `Not done: ${error.message}` } }, STATUS_OF[error.code]);
    }
  }

  return new Hono<DashboardEnv>()
    .get('/', async (c) => {
      const done = doneQuerySchema.safeParse(c.req.query());
      return page(c, done.success ? { flash: { kind: 'ok', text: doneMessage(done.data) } } : {});
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
      // The per-pipeline templates are set through the API; a reconnect here keeps them.
      const pipelineTemplates = existing?.settings.pipelineTemplates;
      const candidate = {
        accessToken: text('accessToken'), clientSecret: text('clientSecret'), portalId: values.portalId,
        closedWonStageIds: values.closedWonStageIds.split(',').map((s) => s.trim()).filter(Boolean),
        templateName: values.templateName, ...(Number.isNaN(interval) ? {} : { intervalMinutes: interval }),
        ...(pipelineTemplates && typeof pipelineTemplates === 'object' ? { pipelineTemplates } : {}),
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
