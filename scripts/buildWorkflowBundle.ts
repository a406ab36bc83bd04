// `npm run build:workflows`: bundles the workflow code once, at build time (the Dockerfile runs it),
// into the file production workers load (RELAY_WORKFLOW_BUNDLE, default dist/workflow-bundle.js),
// and the same code with OpenTelemetry's workflow interceptors beside it (`*.tracing.js`), which
// workers load instead when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_TRACING_MODULE } from '../platform/telemetry.ts';
import { tracingBundlePath, WORKFLOWS_PATH, workflowBundlePath } from '../worker.ts';

const codePath = workflowBundlePath();
mkdirSync(dirname(codePath), { recursive: true });
for (const [path, workflowInterceptorModules] of [[codePath, []], [tracingBundlePath(codePath), [WORKFLOW_TRACING_MODULE]]] as const) {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [...workflowInterceptorModules] });
  writeFileSync(path, code);
  process.stdout.write(`workflow bundle: ${relative(process.cwd(), path)} (${(Buffer.byteLength(code) / 1024).toFixed(0)} KB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
