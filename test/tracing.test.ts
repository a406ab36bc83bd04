// OpenTelemetry tracing (issue 15): with OTEL_EXPORTER_OTLP_ENDPOINT set, one trace runs from the API
// request that creates an account, through the workflow start, into the account's workflow (the
// activities it schedules) and those activities on a worker process. Spans arrive at a stand-in OTLP/HTTP collector, as a real one
// (Jaeger, Tempo, the OpenTelemetry Collector) would receive them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { freePort, startRelayProcess, type RelayProcess } from './support/relayProcess.ts';

interface ReceivedSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; service: string }

/** Accepts OTLP/HTTP JSON on /v1/traces and keeps every span. */
async function startCollector() {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const payload = JSON.parse(body) as { resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: Omit<ReceivedSpan, 'service'>[] }[] }[] };
        for (const rs of payload.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let h: Harness;
let org: TestOrganisation;
let collector: Awaited<ReturnType<typeof startCollector>>;
const processes: RelayProcess[] = [];
const bundleDirs: string[] = [];

beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  org = await h.newOrganisation();
  collector = await startCollector();
});
afterAll(async () => {
  for (const p of processes) p.kill('SIGKILL');
  await collector?.close();
  for (const dir of bundleDirs) rmSync(dir, { recursive: true, force: true });
  await h?.close();
});

/** `npm run build:workflows` into a folder of this test's: the plain bundle and the tracing one. */
function buildBundles(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bundles-'));
  bundleDirs.push(dir);
  const codePath = join(dir, 'workflow-bundle.js');
  execFileSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/buildWorkflowBundle.ts')], {
    cwd: PROJECT_ROOT, env: { ...process.env, RELAY_WORKFLOW_BUNDLE: codePath }, stdio: 'ignore',
  });
  return codePath;
}

describe('tracing', () => {
  // A worker that bundles its workflows at start (development), and a production worker running
  // the prebuilt bundles (`npm run build:workflows`: with tracing on it loads the tracing variant).
  it.each([
    ['a worker that bundles at start', () => ({})],
    ['a production worker on the prebuilt bundle', () => ({ NODE_ENV: 'production', RELAY_WORKFLOW_BUNDLE: buildBundles() })],
  ] as const)('follows an account from the API request into its workflow and activities, in one trace: %s', async (_shape, workerEnv) => {
    collector.spans.length = 0;
    const taskQueue = `tracing-${randomUUID()}`;
    const port = await freePort();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, TEMPORAL_TASK_QUEUE: taskQueue };
    const worker = startRelayProcess('worker.ts', { ...otel, ...workerEnv() });
    const api = startRelayProcess('api/server.ts', { ...otel, PORT: String(port) });
    processes.push(worker, api);
    await worker.waitForLine('worker started');
    await api.waitForLine('api listening');

    const created = await fetch(`http://127.0.0.1:${port}/api/accounts`, {
      method: 'POST', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(accountBody()),
    });
    expect(created.status).toBe(201);
    const requestId = created.headers.get('x-request-id');

    const request = await eventually(async () => collector.spans.find((s) => s.name === 'POST /api/accounts' && s.service === 'relay-api'), { what: 'the request\'s span' });
    const inTrace = () => collector.spans.filter((s) => s.traceId === request.traceId);
    await eventually(async () => {
      const names = inTrace().map((s) => s.name);
      // StartActivity spans are made inside the workflow (its interceptors, exported through the sink);
      // RunWorkflow's own span ends with the run, and an account's run lasts for weeks.
      return names.includes('StartActivity:startAccountRecord') && names.includes('RunActivity:startAccountRecord') ? true : undefined;
    }, { what: 'workflow and activity spans in the request\'s trace', timeoutMs: 90_000 }).catch((error: unknown) => {
      throw new Error(`${String(error)}\nspans: ${JSON.stringify(collector.spans.map((s) => [s.name, s.service, s.traceId]))}\nworker: ${worker.lines().slice(-20).map((l) => JSON.stringify(l)).join('\n')}`);
    });

    const trace = inTrace();
    expect(trace.some((s) => s.name.startsWith('StartWorkflow:accountLifecycle') || s.name.startsWith('SignalWithStartWorkflow:accountLifecycle') || s.name.startsWith('UpdateWithStartWorkflow'))).toBe(true);
    expect(trace.filter((s) => s.name.startsWith('RunActivity:') || s.name.startsWith('StartActivity:')).every((s) => s.service === 'relay-worker')).toBe(true);
    // Parent links hold the trace together: the activity ran under the workflow's StartActivity span.
    const startRecord = trace.find((s) => s.name === 'StartActivity:startAccountRecord')!;
    expect(trace.find((s) => s.name === 'RunActivity:startAccountRecord')?.parentSpanId).toBe(startRecord.spanId);
    // The request's log line names the same trace, so a log search and a trace view meet.
    const line = api.lines().find((l) => l.message === 'request' && l.requestId === requestId);
    expect(line).toMatchObject({ traceId: request.traceId, route: '/api/accounts', status: 201 });
  }, 240_000);
});
