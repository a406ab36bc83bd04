import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  ACCEPTED_UPLOADS, answerInformationRequest, answerInputName, loadPortalView, openPortalLink, PORTAL_BODY_MAX_BYTES, portalFileForDownload,
  revokePortalLink, sendPortalLink, type ActivePortalLink, type PortalView,
} from '../../services/portal.ts';
import { RelayError } from '../../services/errors.ts';
import { accountPath } from '../../ui/components/account/accountView.ts';
import { PORTAL_ANCHOR } from '../../ui/components/account/PortalCard.tsx';
import { AccountNotFoundPage } from '../../ui/pages/AccountDetailPage.tsx';
import { PortalLinkProblemPage, PortalPage, type PortalFormProblem } from '../../ui/pages/PortalPage.tsx';
import { clientAddress } from '../clientAddress.ts';
import type { AppDeps, DashboardEnv } from '../deps.ts';
import { errorResponse } from '../errors.tsx';
import { rateLimit } from '../middleware/rateLimit.ts';
import { readFormBody, storableInput } from '../middleware/storableInput.ts';
import { setFlash } from './dashboard/accountFlash.ts';

// The customer portal (issue 12): /portal/:token for the account's primary contact (no login: the
// token is the credential), and the CSM's side under /accounts/:id/portal (send, revoke, view as
// customer, download what the customer uploaded), behind the dashboard's session and CSRF check.

const LINK_STATUS = { unknown: 404, expired: 410, revoked: 410 } as const;

/**
 * The customer's pages. Mounted in api/app.tsx ahead of the app-wide 1 MB body limit, because a
 * submission may carry files: this router sets its own limit (and the text rule) for its paths.
 */
export function portalPageRoutes(deps: AppDeps) {
  const limits = deps.handoffRateLimit ?? { limit: 30, windowMs: 60_000 };

  function page(c: Context, view: PortalView, token: string, extra: { problem?: PortalFormProblem; pageError?: string; answeredLabel?: string } = {}, status: 200 | 400 | 409 = 200) {
    return c.html(
      <PortalPage view={view} token={token} accept={ACCEPTED_UPLOADS} inputName={answerInputName}
        problem={extra.problem} pageError={extra.pageError} answeredLabel={extra.answeredLabel} />,
      status,
    );
  }

  async function opened(c: Context): Promise<{ link: ActivePortalLink; view: PortalView } | Response> {
    const result = await openPortalLink(deps.db, c.req.param('token') ?? '');
    if (!result.ok) return c.html(<PortalLinkProblemPage reason={result.problem} />, LINK_STATUS[result.problem]);
    const view = await loadPortalView(deps.db, result.link.orgId, result.link.accountId);
    if (!view) return c.html(<PortalLinkProblemPage reason="unknown" />, 404);
    return { link: result.link, view };
  }

  return new Hono()
    .use('*', async function portalHeaders(c, next) {
      await next();
      c.header('Cache-Control', 'no-store');
      c.header('X-Robots-Tag', 'noindex');
      c.header('Referrer-Policy', 'no-referrer');
    })
    // Guessing tokens is slowed per client address, before anything reads a body or the database.
    .use('*', rateLimit({
      ...limits,
      keyOf: (c) => clientAddress(c, deps.trustProxy ?? false),
      onLimited: (c) => c.html(<PortalLinkProblemPage reason="rate_limited" />, 429),
    }))
    .use('*', bodyLimit({
      maxSize: PORTAL_BODY_MAX_BYTES,
      onError: (c) => errorResponse(c, new RelayError('payload_too_large', `Nothing was sent: the files together are larger than ${PORTAL_BODY_MAX_BYTES / 1024 / 1024} MB. Each file may be up to 10 MB.`)),
    }))
    .use('*', storableInput())
    .get('/:token', async (c) => {
      const open = await opened(c);
      if (open instanceof Response) return open;
      const answered = c.req.query('answered');
      const answeredLabel = answered ? open.view.answered.find((a) => a.actionId === answered)?.label : undefined;
      return page(c, open.view, c.req.param('token'), answeredLabel ? { answeredLabel } : {});
    })
    .post('/:token/requests/:actionId', async (c) => {
      const open = await opened(c);
      if (open instanceof Response) return open;
      const token = c.req.param('token');
      const actionId = c.req.param('actionId');
      const { body, refused } = await readFormBody(c);
      try {
        await answerInformationRequest(deps, open.link, actionId, body, refused);
        return c.redirect(`/portal/${token}?answered=${encodeURIComponent(actionId)}#requests`, 303);
      } catch (error) {
        if (!(error instanceof RelayError)) throw error;
        if (error.code === 'validation') {
          const values: Record<string, string> = {};
          for (const [key, value] of Object.entries(body)) if (typeof value === 'string') values[key] = value;
          const errors: Record<string, string> = {};
          for (const { field, message } of error.details.fields ?? []) errors[field] ??= message;
          return page(c, open.view, token, { problem: { actionId, message: error.message, errors, values } }, 400);
        }
        if (error.code === 'conflict' || error.code === 'not_found') {
          return page(c, await loadPortalView(deps.db, open.link.orgId, open.link.accountId) ?? open.view, token, { pageError: `Not sent: ${error.message}` }, 409);
        }
        throw error;
      }
    });
}

/** The CSM's side, mounted under /accounts (api/routes/dashboard/accountDetail.tsx): the session's organisation only. */
export function accountPortalRoutes(deps: AppDeps) {
  const notFound = (c: Context<DashboardEnv>) =>
    c.html(<AccountNotFoundPage viewer={c.get('user')} csrfToken={c.get('csrfToken')} devOutbox={deps.devOutbox} />, 404);
  const back = (c: Context<DashboardEnv>, accountId: string, kind: 'ok' | 'error', message: string) => {
    setFlash(c, { kind, message }, deps.secureCookies);
    return c.redirect(accountPath(accountId, PORTAL_ANCHOR), 303);
  };

  return new Hono<DashboardEnv>()
    // "View as customer": the customer's page, read-only, without their token.
    .get('/:id/portal', async (c) => {
      const user = c.get('user');
      const view = await loadPortalView(deps.db, user.orgId, c.req.param('id'));
      if (!view) return notFound(c);
      c.header('Cache-Control', 'no-store');
      return c.html(<PortalPage view={view} token={null} previewBy={user.email} accept={ACCEPTED_UPLOADS} inputName={answerInputName} />);
    })
    .post('/:id/portal/send', async (c) => {
      const user = c.get('user');
      const id = c.req.param('id');
      try {
        const sent = await sendPortalLink(deps, user.orgId, id, user.email);
        return sent.notDeliveredBecause
          ? back(c, id, 'error', `A new portal link was made (older links no longer work), but the email to ${sent.sentTo} was not delivered: ${sent.notDeliveredBecause}`)
          : back(c, id, 'ok', `Portal link sent to ${sent.sentTo}; it works until ${sent.expiresAt.toISOString().slice(0, 10)}. Earlier links no longer work.`);
      } catch (error) {
        if (error instanceof RelayError && error.code === 'not_found') return notFound(c);
        throw error;
      }
    })
    .post('/:id/portal/revoke', async (c) => {
      const user = c.get('user');
      const id = c.req.param('id');
      try {
        const revoked = await revokePortalLink(deps.db, user.orgId, id, user.email);
        return back(c, id, 'ok', revoked ? 'Portal link revoked: it no longer opens the portal.' : 'There was no live portal link to revoke.');
      } catch (error) {
        if (error instanceof RelayError && error.code === 'not_found') return notFound(c);
        throw error;
      }
    })
    // A file the customer uploaded: always a download, never rendered by the browser as a page.
    .get('/:id/portal/files/:fileId', async (c) => {
      const user = c.get('user');
      try {
        const file = await portalFileForDownload(deps.db, user.orgId, c.req.param('id'), c.req.param('fileId'));
        const fallback = file.fileName.replace(/[^A-Za-z0-9._-]/g, '_');
        return c.body(new Uint8Array(file.content), 200, {
          'Content-Type': file.contentType,
          'Content-Disposition': `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
          'Content-Length': String(file.content.length),
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': "default-src 'none'; sandbox",
          'Cache-Control': 'private, no-store',
        });
      } catch (error) {
        if (error instanceof RelayError && error.code === 'not_found') return notFound(c);
        throw error;
      }
    });
}
