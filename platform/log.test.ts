import { afterEach, describe, expect, it, vi } from 'vitest';
import { log, withLogFields } from './log.ts';

afterEach(() => { vi.restoreAllMocks(); });

describe('log', () => {
  it('puts the scope\'s fields (a request ID) on every line written inside it, however deep', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => { lines.push(String(chunk)); return true; });
    await withLogFields({ requestId: 'req-1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.error('inside', { accountId: 'a1' });
    });
    log.error('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ level: 'error', message: 'inside', requestId: 'req-1', accountId: 'a1' });
    expect(outside).not.toHaveProperty('requestId');
  });
});
