import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { RelayError } from '../services/errors.ts';
import { handleError } from './errors.tsx';

/** A page that fails, at each kind of address. */
function failingApp(error: Error) {
  return new Hono().get('*', () => { throw error; }).onError(handleError);
}

describe('error pages', () => {
  it('offer the way back to the accounts on dashboard pages only, not to an AE or a customer who has no dashboard', async () => {
    const unavailable = failingApp(new RelayError('unavailable', 'Relay cannot reach its database right now'));
    for (const path of ['/handoff/some-token', '/portal/some-token']) {
      const page = await unavailable.request(path);
      expect(page.status).toBe(503);
      const html = await page.text();
      expect(html).toContain('Relay cannot reach its database right now');
      expect(html).not.toContain('Back to accounts');
    }
    const dashboard = await unavailable.request('/accounts/some-id');
    expect(await dashboard.text()).toContain('Back to accounts');

    const broken = await failingApp(new Error('boom')).request('/handoff/some-token');
    expect(broken.status).toBe(500);
    const html = await broken.text();
    expect(html).not.toContain('boom');
    expect(html).not.toContain('Back to accounts');
  });
});
