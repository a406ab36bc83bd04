import { afterEach, describe, expect, it, vi } from 'vitest';
import { addLogFields, log, withLogFields } from './log.ts';

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

describe('log redaction and scope', () => {
  function capture(stream: NodeJS.WriteStream): string[] {
    const lines: string[] = [];
    vi.spyOn(stream, 'write').mockImplementation((chunk) => { lines.push(String(chunk)); return true; });
    return lines;
  }

  it('never writes the value of a key that names a secret, at the top or nested', () => {
    const lines = capture(process.stderr);
    log.error('calling a provider', {
      token: 'tok-111', password: 'pw-222', apiKey: 'key-333', writeKey: 'wk-444', secret: 'sec-555', clientSecret: 'cs-666',
      headers: { authorization: 'Bearer auth-777', cookie: 'relay_session=ck-888', 'set-cookie': 'sc-999' },
      provider: { accessToken: 'at-000', refreshToken: 'rt-aaa', nested: { client_secret: 'cs-bbb' } },
      accountId: 'acc-1',
    });
    const text = lines.join('');
    for (const secret of ['tok-111', 'pw-222', 'key-333', 'wk-444', 'sec-555', 'cs-666', 'auth-777', 'ck-888', 'sc-999', 'at-000', 'rt-aaa', 'cs-bbb']) {
      expect(text).not.toContain(secret);
    }
    const line = JSON.parse(text) as Record<string, unknown>;
    // Everything else is as written: ids stay, and where a secret was the reader sees it was redacted.
    expect(line).toMatchObject({ level: 'error', message: 'calling a provider', accountId: 'acc-1', token: '[redacted]', headers: { authorization: '[redacted]' } });
    expect(typeof line.time).toBe('string');
  });

  it('adds fields learnt during a scope (a request\'s organisation) to the lines written after, not outside it', async () => {
    const lines = capture(process.stderr);
    await withLogFields({ requestId: 'req-2' }, async () => {
      log.error('before auth');
      addLogFields({ orgId: 'org-9' });
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.error('after auth');
    });
    addLogFields({ orgId: 'nowhere' });
    log.error('outside');
    const [before, after, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(before).toMatchObject({ requestId: 'req-2' });
    expect(before).not.toHaveProperty('orgId');
    expect(after).toMatchObject({ requestId: 'req-2', orgId: 'org-9' });
    expect(outside).not.toHaveProperty('orgId');
  });

  it('keeps info and warn off stdout under RELAY_LOG_QUIET=true, and errors on stderr always', () => {
    const quiet = process.env.RELAY_LOG_QUIET;
    const out = capture(process.stdout);
    const err = capture(process.stderr);
    try {
      process.env.RELAY_LOG_QUIET = 'true';
      log.info('hidden');
      log.warn('hidden too');
      log.error('shown');
      process.env.RELAY_LOG_QUIET = 'false';
      log.info('shown on stdout');
    } finally {
      process.env.RELAY_LOG_QUIET = quiet;
    }
    expect(out.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['shown on stdout']);
    expect(err.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['shown']);
  });
});
