/**
 * Captures everything the process writes to stdout and stderr (and, with `console: true`, through
 * the console) until `stop()`, with Relay's info lines switched on: the test script quiets them,
 * and a test of what the logs say must read them.
 */
export function captureOutput(opts: { console?: boolean } = {}) {
  const chunks: string[] = [];
  const restore: (() => void)[] = [];
  const quiet = process.env.RELAY_LOG_QUIET;
  process.env.RELAY_LOG_QUIET = 'false';
  restore.push(() => { process.env.RELAY_LOG_QUIET = quiet; });
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof stream.write;
    restore.push(() => { stream.write = write; });
  }
  if (opts.console) {
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[level];
      console[level] = (...args: unknown[]) => { chunks.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack ?? ''}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')); };
      restore.push(() => { console[level] = original; });
    }
  }
  return {
    /** Everything captured so far, as one text. */
    text: () => chunks.join(''),
    /** Forgets what was captured so far (capturing goes on). */
    clear: () => { chunks.length = 0; },
    stop: () => { while (restore.length) restore.pop()!(); },
  };
}
