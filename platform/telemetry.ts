import { createRequire } from 'node:module';
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { LogLevel } from '@temporalio/common';
import {
  makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor, type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, Runtime, type ActivityInterceptorsFactory, type InjectedSink, type LogEntry } from '@temporalio/worker';
import { log } from './log.ts';

/** The SDK's log lines (workflow and activity `log`, worker state changes) as Relay's JSON lines. */
function toRelayLog(entry: LogEntry): void {
  const fields = { source: 'temporal', sdkLevel: entry.level, ...entry.meta };
  if (entry.level === 'ERROR') log.error(entry.message, fields);
  else if (entry.level === 'WARN') log.warn(entry.message, fields);
  else log.info(entry.message, fields);
}

/**
 * Installs the Temporal SDK's runtime for this process: its log lines go through platform/log.ts
 * (JSON, redacted, with the workflow's and activity's ids the SDK attaches), and with
 * `prometheusAddress` (RELAY_TEMPORAL_METRICS_ADDRESS) the SDK serves its own metrics (temporal_*:
 * task queue polls, schedule-to-start latency, sticky cache, slots…) at http://<address>/metrics.
 * Must run before any NativeConnection or Worker is created: the runtime is installed once.
 */
export function installTemporalRuntime(opts: { level?: LogLevel; prometheusAddress?: string | undefined } = {}): void {
  Runtime.install({
    logger: new DefaultLogger(opts.level ?? 'INFO', toRelayLog),
    ...(opts.prometheusAddress ? {
      telemetryOptions: { metrics: { prometheus: { bindAddress: opts.prometheusAddress, useSecondsForDurations: true, countersTotalSuffix: true } } },
    } : {}),
  });
}

/**
 * OpenTelemetry tracing, OFF unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then spans go there over
 * OTLP/HTTP (`<endpoint>/v1/traces`), from an API request (its span is active while the route runs),
 * through the Temporal client's calls (trace context in the workflow's headers), into the workflow
 * (spans made in the sandbox and handed out through the `exporter` sink) and its activities.
 */
export interface Tracing {
  /** For `new Client({ interceptors })`: starts, signals and updates carry the active trace. */
  clientInterceptors: { workflow: OpenTelemetryWorkflowClientInterceptor[] };
  /** Worker options to merge: activity interceptors, the workflow interceptor module and the span sink. */
  worker: { activityInterceptors: ActivityInterceptorsFactory[]; workflowModules: string[]; sinks: { exporter: InjectedSink<OpenTelemetryWorkflowExporter> } };
  /** The tracer for spans of Relay's own (API requests). */
  tracer: Tracer;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** The workflow interceptors' module, bundled with the workflows only when tracing is on. */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export function startTracing(env: { OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined; OTEL_SERVICE_NAME?: string | undefined }, role: 'api' | 'worker' | 'relay'): Tracing | null {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? `relay-${role}` });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` }), { scheduledDelayMillis: 1_000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global provider, W3C trace-context propagator and the AsyncLocalStorage context manager.
  provider.register();
  log.info('tracing on', { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, service: resource.attributes[ATTR_SERVICE_NAME] });
  return {
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    worker: {
      activityInterceptors: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      workflowModules: [WORKFLOW_TRACING_MODULE],
      sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
    },
    tracer: trace.getTracer('relay'),
    shutdown: () => provider.shutdown(),
  };
}
