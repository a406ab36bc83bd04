import { PublicLayout } from '../components/AppLayout.tsx';

const TITLES: Record<number, string> = {
  400: 'That request was not valid', 403: 'Not allowed', 404: 'Not found', 413: 'Too large', 409: 'That could not be done now',
  410: 'No longer available', 429: 'Too many requests', 503: 'Temporarily unavailable',
};

/**
 * What a person sees when a page request fails; the message never carries internals. The way back to
 * the accounts is left out for people who have no dashboard (an AE's handoff link, a customer's portal).
 */
export function ErrorPage(p: { status: number; message: string; requestId?: string | undefined; dashboardLink?: boolean }) {
  const title = TITLES[p.status] ?? 'Something went wrong';
  return (
    <PublicLayout title={title}>
      <div class="card">
        <h1>{title}</h1>
        <p>{p.message}</p>
        {p.requestId ? <p class="muted">Reference: <code>{p.requestId}</code></p> : null}
        {p.dashboardLink === false ? null : <p><a href="/accounts">Back to accounts</a></p>}
      </div>
    </PublicLayout>
  );
}
