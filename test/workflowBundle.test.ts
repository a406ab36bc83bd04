import { describe, expect, it } from 'vitest';
import { workflowBundle } from './harness.ts';

// Workers reuse one V8 context and run every module the workflows import once per workflow run they
// create: a library pulled into the bundle is paid for by every account. zod alone was about a third
// of the worker's CPU per onboarded account (35 → 24 ms of Node with it gone, onboarding bench).
describe('the workflow bundle', () => {
  it('holds workflow code and the pure domain rules they use, not the libraries the rest of Relay runs on', async () => {
    const { code } = await workflowBundle();
    for (const library of ['zod', 'drizzle-orm', 'postgres', 'hono', 'openai', 'resend', 'pino']) {
      expect(code, library).not.toMatch(new RegExp(`node_modules/${library}/`));
    }
    expect(code).toMatch(/node_modules\/@temporalio\/workflow\//);
    // 1.8 MB today (2.9 MB with zod): a bundle that grows past this is worth a look.
    expect(code.length).toBeLessThan(2_300_000);
  }, 120_000);
});
