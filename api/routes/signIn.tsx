import { Hono, type Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { z } from 'zod';
import { consumeLoginToken, insertSession } from '../../db/repositories/sessions.ts';
import { hashToken, newSecretToken } from '../../domain/secretTokens.ts';
import {
  CheckYourEmailPage, ConfirmSignInPage, SignInFromElsewherePage, SignInLinkProblemPage, SignInPage,
} from '../../ui/pages/SignInPages.tsx';
import { log } from '../../platform/log.ts';
import { RelayError } from '../../services/errors.ts';
import { requestSignInLinks } from '../../services/signInLinks.ts';
import { clientAddress } from '../clientAddress.ts';
import type { AppDeps } from '../deps.ts';
import { SESSION_COOKIE } from '../middleware/dashboardSession.ts';
import { rateLimit } from '../middleware/rateLimit.ts';

const SESSION_DAYS = 14;

/** Only same-site paths, so a crafted link cannot bounce a user elsewhere after sign-in. */
export function safeNext(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : undefined;
}

const emailSchema = z.string().trim().toLowerCase().pipe(z.email());

/**
 * Whether a form post came from one of Relay's own pages (login CSRF: another site must not sign a
 * browser into an account of its choosing). The browser says where it came from in Sec-Fetch-Site
 * (same-origin, or none for a person's own action); any other value is refused. An Origin, when
 * sent, must be Relay's: its public URL, or the origin the request itself was made to. Our pages
 * send no referrer, so the browser sends `Origin: null` for their own forms: believed only when
 * Sec-Fetch-Site vouches for the post. A client that sends neither header (curl, an old browser's
 * same-site post without Origin) is let through; the link's token is still needed.
 */
function fromOwnSite(c: Context, publicUrl: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  if (origin === 'null') return site !== undefined;
  return origin === new URL(publicUrl).origin || origin === new URL(c.req.url).origin;
}

export function signInRoutes(deps: AppDeps) {
  // POST /login and POST /login/verify each count every client address on their own.
  const limits = deps.signInRateLimit ?? { limit: 10, windowMs: 60_000 };
  const keyOf = (c: Context) => clientAddress(c, deps.trustProxy ?? false);
  return new Hono()
    .get('/login', (c) => c.html(<SignInPage next={safeNext(c.req.query('next'))} />))
    .post('/login', rateLimit({ ...limits, keyOf, onLimited: (c) => c.html(<SignInPage error="Too many sign-in requests; wait a minute." />, 429) }),
      async (c) => {
        const form = await c.req.parseBody();
        const next = safeNext(form.next);
        const parsed = emailSchema.safeParse(form.email);
        if (!parsed.success) {
          return c.html(<SignInPage error="Enter a valid email address." next={next} email={typeof form.email === 'string' ? form.email : ''} />, 400);
        }
        // Nobody is looked up before the answer: a sendSignInLinks run does that and sends one link per
        // organisation, so the answer is the same, in the same time, whether or not the address exists.
        try {
          await requestSignInLinks(deps, { email: parsed.data, ...(next ? { next } : {}) });
        } catch (error) {
          if (!(error instanceof RelayError) || error.code !== 'unavailable') throw error;
          log.warn('sign-in links could not be requested', { error: error.message });
          return c.html(<SignInPage error="We could not send the sign-in email just now. Try again in a few minutes." next={next} email={parsed.data} />, 503);
        }
        return c.html(<CheckYourEmailPage email={parsed.data} devOutbox={deps.devOutbox} />);
      })
    .get('/login/verify', (c) => {
      const token = c.req.query('token');
      if (!token) return c.html(<SignInLinkProblemPage />, 400);
      return c.html(<ConfirmSignInPage token={token} next={safeNext(c.req.query('next'))} />);
    })
    .post('/login/verify', rateLimit({ ...limits, keyOf, onLimited: (c) => c.html(<SignInLinkProblemPage tooMany />, 429) }), async (c) => {
      if (!fromOwnSite(c, deps.publicUrl)) return c.html(<SignInFromElsewherePage />, 403);
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
