import { PublicLayout } from '../components/AppLayout.tsx';

export function SignInPage(p: { next?: string; error?: string; email?: string }) {
  return (
    <PublicLayout title="Sign in">
      <form class="card" method="post" action="/login">
        <h1>Sign in to Relay</h1>
        <p class="muted">We email you a link that signs you in. No password needed.</p>
        {p.error ? <p class="flash error" role="alert">{p.error}</p> : null}
        <label for="email">Work email</label>
        <input id="email" name="email" type="email" autocomplete="email" required value={p.email ?? ''} />
        {p.next ? <input type="hidden" name="next" value={p.next} /> : null}
        <button type="submit">Email me a sign-in link</button>
      </form>
    </PublicLayout>
  );
}

export function CheckYourEmailPage(p: { email: string; devOutbox: boolean }) {
  return (
    <PublicLayout title="Check your email">
      <div class="card">
        <h1>Check your email</h1>
        <p>If {p.email} belongs to a Relay user, a sign-in link is on its way. It works once, for 15 minutes.</p>
        {p.devOutbox ? <p class="muted">No mail provider is configured: the link is in the <a href="/dev/outbox">dev outbox</a>.</p> : null}
      </div>
    </PublicLayout>
  );
}

/** A GET only shows this button: mail scanners that prefetch links must not use up the sign-in. */
export function ConfirmSignInPage(p: { token: string; next?: string }) {
  return (
    <PublicLayout title="Sign in">
      <form class="card" method="post" action="/login/verify">
        <h1>Continue to Relay</h1>
        <input type="hidden" name="token" value={p.token} />
        {p.next ? <input type="hidden" name="next" value={p.next} /> : null}
        <button type="submit">Sign in</button>
      </form>
    </PublicLayout>
  );
}

export function SignInLinkProblemPage(p: { tooMany?: boolean } = {}) {
  return (
    <PublicLayout title="Sign-in link not valid">
      <div class="card">
        <h1>This sign-in link does not work</h1>
        {p.tooMany
          ? <p>Too many sign-in attempts from here; wait a minute, then open the link again.</p>
          : <p>It may have been used already or have expired. <a href="/login">Ask for a new one</a>.</p>}
      </div>
    </PublicLayout>
  );
}

/** A sign-in confirmation posted from another site's page (login CSRF): refused, the link kept unused. */
export function SignInFromElsewherePage() {
  return (
    <PublicLayout title="Not allowed">
      <div class="card">
        <h1>That sign-in did not go through</h1>
        <p>The request did not come from Relay's own sign-in page, so it was refused and your link was not used.
          Open the link from your email again, or <a href="/login">ask for a new one</a>.</p>
      </div>
    </PublicLayout>
  );
}

export function ForbiddenPage(p: { message: string }) {
  return (
    <PublicLayout title="Not allowed">
      <div class="card">
        <h1>That did not go through</h1>
        <p>{p.message}</p>
        <p><a href="/accounts">Back to accounts</a></p>
      </div>
    </PublicLayout>
  );
}
