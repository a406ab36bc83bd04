import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rateLimit } from './rateLimit.ts';

function appWithClock(limit: number) {
  let t = 0;
  const app = new Hono()
    .use('*', rateLimit({ limit, windowMs: 60_000, keyOf: (c) => c.req.header('x-client') ?? 'anon', onLimited: (c) => c.text('slow down', 429), now: () => t }))
    .get('/', (c) => c.text('ok'));
  return { app, advance: (ms: number) => { t += ms; } };
}

describe('rateLimit', () => {
  it('refuses a client past its limit with Retry-After, and lets it back in the next window', async () => {
    const { app, advance } = appWithClock(3);
    const hit = () => app.request('/', { headers: { 'x-client': 'a' } });
    for (let i = 0; i < 3; i += 1) expect((await hit()).status).toBe(200);
    const limited = await hit();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect((await app.request('/', { headers: { 'x-client': 'b' } })).status).toBe(200);
    advance(60_000);
    expect((await hit()).status).toBe(200);
  });
});
