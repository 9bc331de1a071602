// Prometheus metrics (prom-client): the API's requests, and what genies do (recorded by the worker's
// activities). Each process has its own registry, served as text at `/metrics`.
import { Counter, Histogram, Registry } from 'prom-client';

/** What the API counts: every request by route template (never the raw path) and status. */
export interface HttpMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
}

export function createHttpMetrics(registry = new Registry()): HttpMetrics {
  return {
    registry,
    requests: new Counter({
      name: 'genie_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'genie_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (a run stream: until it closed)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** What the worker counts about genies (the Temporal SDK's own metrics are served beside them). */
export interface GenieMetrics {
  registry: Registry;
  runsFinished: Counter<'status' | 'trigger_type'>;
  runDuration: Histogram<'status' | 'trigger_type'>;
  modelTokens: Counter<'model' | 'kind'>;
  costUsd: Counter<'model' | 'mode'>;
  toolCalls: Counter<'tool' | 'outcome'>;
  approvals: Counter<'decision'>;
}

export function createGenieMetrics(registry = new Registry()): GenieMetrics {
  return {
    registry,
    runsFinished: new Counter({
      name: 'genie_runs_finished_total',
      help: 'Runs that ended, by status and trigger type',
      labelNames: ['status', 'trigger_type'],
      registers: [registry],
    }),
    runDuration: new Histogram({
      name: 'genie_run_duration_seconds',
      help: 'From a run starting to its ending',
      labelNames: ['status', 'trigger_type'],
      buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    }),
    modelTokens: new Counter({
      name: 'genie_model_tokens_total',
      help: 'Tokens of model calls, by model and kind (input, output, cache_read, cache_creation)',
      labelNames: ['model', 'kind'],
      registers: [registry],
    }),
    costUsd: new Counter({
      name: 'genie_cost_usd_total',
      help: 'What the model responses the worker received cost, in USD, by model and mode (realtime, batch); unpriced models count nothing',
      labelNames: ['model', 'mode'],
      registers: [registry],
    }),
    toolCalls: new Counter({
      name: 'genie_tool_calls_total',
      help: 'Tool calls answered, by tool and outcome (ok, error, refused)',
      labelNames: ['tool', 'outcome'],
      registers: [registry],
    }),
    approvals: new Counter({
      name: 'genie_approvals_total',
      help: 'Approvals settled, by decision (approved, denied, expired)',
      labelNames: ['decision'],
      registers: [registry],
    }),
  };
}
