import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { z } from 'zod';
import {
  consumeLoginToken, findUsersByEmailAcrossOrganisations, insertSession,
} from '../../db/repositories/sessions.ts';
import { hashToken, newSecretToken } from '../../domain/secretTokens.ts';
import { signInEmail } from '../../ui/emails/signInEmail.tsx';
import { CheckYourEmailPage, ConfirmSignInPage, SignInLinkProblemPage, SignInPage } from '../../ui/pages/SignInPages.tsx';
import { log } from '../../platform/log.ts';
import { sendSignInLink } from '../../services/signInLinks.ts';
import { clientAddress } from '../clientAddress.ts';
import type { AppDeps } from '../deps.ts';
import { SESSION_COOKIE } from '../middleware/dashboardSession.ts';
import { rateLimit } from '../middleware/rateLimit.ts';

const LINK_MINUTES = 15;
const SESSION_DAYS = 14;

/** Only same-site paths, so a crafted link cannot bounce a user elsewhere after sign-in. */
export function safeNext(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : undefined;
}

const emailSchema = z.string().trim().toLowerCase().pipe(z.email());

export function signInRoutes(deps: AppDeps) {
  return new Hono()
    .get('/login', (c) => c.html(<SignInPage next={safeNext(c.req.query('next'))} />))
    .post('/login', rateLimit({ ...(deps.signInRateLimit ?? { limit: 10, windowMs: 60_000 }), keyOf: (c) => clientAddress(c, deps.trustProxy ?? false), onLimited: (c) => c.html(<SignInPage error="Too many sign-in requests; wait a minute." />, 429) }),
      async (c) => {
        const form = await c.req.parseBody();
        const next = safeNext(form.next);
        const parsed = emailSchema.safeParse(form.email);
        if (!parsed.success) {
          return c.html(<SignInPage error="Enter a valid email address." next={next} email={typeof form.email === 'string' ? form.email : ''} />, 400);
        }
        // One link per organisation the person belongs to; the same answer whether or not any exist.
        for (const user of await findUsersByEmailAcrossOrganisations(deps.db, parsed.data)) {
          try {
            await sendSignInLink(deps, user, {
              kind: 'sign_in', validForMs: LINK_MINUTES * 60_000, next,
              compose: (link) => signInEmail({ name: user.name, orgName: user.orgName, link, minutes: LINK_MINUTES }),
            });
          } catch (error) {
            // The outbox row keeps the provider's reason for an operator; the person gets a way forward.
            log.warn('sign-in email could not be delivered', { orgId: user.orgId, error: error instanceof Error ? error.message : String(error) });
            return c.html(<SignInPage error="We could not send the sign-in email just now. Try again in a few minutes." next={next} email={parsed.data} />, 503);
          }
        }
        return c.html(<CheckYourEmailPage email={parsed.data} devOutbox={deps.devOutbox} />);
      })
    .get('/login/verify', (c) => {
      const token = c.req.query('token');
      if (!token) return c.html(<SignInLinkProblemPage />, 400);
      return c.html(<ConfirmSignInPage token={token} next={safeNext(c.req.query('next'))} />);
    })
    .post('/login/verify', async (c) => {
      const form = await c.req.parseBody();
      const token = typeof form.token === 'string' ? form.token : '';
      const login = token ? await consumeLoginToken(deps.db, hashToken(token)) : null;
      if (!login) return c.html(<SignInLinkProblemPage />, 410);
      const sessionToken = newSecretToken();
      const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
      await insertSession(deps.db, { ...login, tokenHash: hashToken(sessionToken), csrfToken: newSecretToken(), expiresAt });
      setCookie(c, SESSION_COOKIE, sessionToken, {
        httpOnly: true, sameSite: 'Lax', secure: deps.secureCookies, path: '/', expires: expiresAt,
      });
      return c.redirect(safeNext(form.next) ?? '/accounts', 303);
    });
}
