// OpenTelemetry traces, on when OTEL_EXPORTER_OTLP_ENDPOINT is set: one trace from an API request
// through the run's workflow to each activity and outbound web_fetch, exported over OTLP/HTTP.
// Only @opentelemetry/api is loaded here; the SDK (platform/tracing-sdk.ts) once tracing is on.
import { trace, type Span } from '@opentelemetry/api';
import type { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type * as TracingSdk from './tracing-sdk';

/** The service's tracer (a no-op until {@link startTracing} registers a provider). */
export const tracer = () => trace.getTracer('worker-genies');

export type Tracing = TracingSdk.Tracing;

/** Starts exporting this process's spans as `service`, or does nothing without an endpoint. */
export function startTracing(service: string, endpoint: string | undefined): Tracing | undefined {
  return endpoint ? sdk().startTracingSdk(service, endpoint) : undefined;
}

/** The tracing plugin for bundling the workflows with its interceptors ahead of time (`npm run build`). */
export const tracingPluginForBundling = (): OpenTelemetryPlugin => sdk().bundlingPlugin();

/** The OpenTelemetry SDK, loaded on first use (a `require`, so it stays lazy in the compiled CommonJS too). */
function sdk(): typeof TracingSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./tracing-sdk') as typeof TracingSdk;
}

/** Runs `fn` in a span named `name`, recording a thrown error, and ends the span. */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number>,
  fn: (span: Span) => Promise<T>
): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: 2, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
