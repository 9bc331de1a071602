// The OpenTelemetry SDK behind platform/tracing.ts, loaded only when tracing is on (or to bundle
// the workflows with its interceptors): a process that exports no traces never loads it.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

/** Tracing of a process that exports spans. */
export interface Tracing {
  /** For the Temporal client and worker: propagates the trace through workflows and activities. */
  plugin: OpenTelemetryPlugin;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/** @public (loaded by platform/tracing.ts through require) Registers a tracer provider exporting this process's spans as `service` to `endpoint` over OTLP/HTTP. */
export function startTracingSdk(service: string, endpoint: string): Tracing {
  const resource = new Resource({ 'service.name': service });
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const spanProcessor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { plugin: new OpenTelemetryPlugin({ resource, spanProcessor }), shutdown: () => provider.shutdown() };
}

/** @public (loaded through require) The plugin as the bundler sees it: only its workflow interceptor modules matter there. */
export function bundlingPlugin(): OpenTelemetryPlugin {
  return new OpenTelemetryPlugin({ resource: new Resource({}), spanProcessor: new NoopSpanProcessor() });
}
