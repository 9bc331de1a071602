// The Temporal worker process: `npm run worker` (bin/worker.ts) runs it, and so does `npm start`.
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createDb, type Db } from '../db';
import { getConfig, logsArePretty } from '../platform/config';
import { resolveDatabaseUrl } from '../platform/database-url';
import { createLogger } from '../platform/logger';
import { onShutdown } from '../platform/process';
import { resolvePayloadKeys } from '../security/encryption-keys';
import { createTemporalClient, ensureSearchAttributes, genieDataConverter } from '../temporal/client';
import { connectPatiently, temporalConnectionOptions, temporalStartupError } from '../temporal/connection';
import { createActivityDeps } from './deps';
import { PinoSdkLogger } from './sdk-logger';
import { createGenieWorker, requestScheduleReconciliation } from './worker';
import { prebuiltWorkflowBundle } from './workflow-bundle';
import { serveWorkerMetrics } from './metrics-server';
import { createGenieMetrics } from '../platform/metrics';
import { startTracing } from '../platform/tracing';
import { assertPortFree, freePort } from '../platform/ports';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** What a caller may do with the worker's parts before it starts (tests inject faults this way). */
export interface WorkerHooks {
  prepare?(parts: { db: Db }): void;
}

/**
 * Runs the worker until SIGINT/SIGTERM or its supervisor goes away: metrics, the Temporal
 * connection (failing at once, in one line, on a TLS or credential problem), the search attributes,
 * the schedule reconciler's nudge, and the genie workflows and activities on the task queue.
 */
export async function runWorker(hooks: WorkerHooks = {}): Promise<void> {
  const config = getConfig();
  const logger = createLogger(config, 'worker');
  // The SDK's own metrics on a loopback port of their own; /metrics on GENIE_WORKER_METRICS_PORT
  // serves them after the genie metrics.
  const metricsOn = config.GENIE_WORKER_METRICS_PORT > 0;
  if (metricsOn) await assertPortFree(config.GENIE_WORKER_METRICS_PORT, 'worker metrics', 'GENIE_WORKER_METRICS_PORT');
  const sdkMetricsAddress = metricsOn ? `127.0.0.1:${await freePort()}` : undefined;
  Runtime.install({
    logger: new PinoSdkLogger(logger.child({ component: 'temporal-sdk' }), logsArePretty(config)),
    ...(sdkMetricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } } : {}),
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createGenieMetrics(registry);
  const metricsServer = metricsOn
    ? await serveWorkerMetrics(config.GENIE_WORKER_METRICS_PORT, registry, `http://${sdkMetricsAddress}/metrics`, {
        host: config.GENIE_WORKER_METRICS_HOST,
        token: config.GENIE_METRICS_TOKEN,
      })
    : undefined;
  if (metricsServer) {
    const host = metricsServer.host.includes(':') ? `[${metricsServer.host}]` : metricsServer.host;
    logger.info(`metrics on http://${host}:${metricsServer.port}/metrics`);
  }
  const db = createDb(resolveDatabaseUrl(config));
  hooks.prepare?.({ db });
  const tracing = startTracing('worker-genies-worker', config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const payloadKeys = resolvePayloadKeys(config);
  // The worker's connection first: it fails at once, with a reason, on a TLS or credential problem
  // (one line naming the variable), and waits a while for a Temporal that is still starting.
  const connectionOptions = temporalConnectionOptions(config);
  const connection = await connectPatiently(
    () => NativeConnection.connect(connectionOptions),
    connectionOptions,
    (problem) => logger.warn(`${problem.line}; retrying`)
  );
  const client = createTemporalClient(config, payloadKeys, tracing ? [tracing.plugin] : []);
  const added = await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE).catch((err: unknown) => {
    throw temporalStartupError(err, connectionOptions, config.TEMPORAL_NAMESPACE);
  });
  if (added.length > 0) logger.info({ added }, 'registered search attributes');

  // Compiled (`npm start`, `npm run worker`): the bundle `npm run build` made; from the sources, bundled now.
  const workflowBundle = prebuiltWorkflowBundle(tracing !== undefined);
  try {
    const worker = await createGenieWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      deps: createActivityDeps(config, db, client, metrics),
      dataConverter: genieDataConverter(payloadKeys),
      plugins: tracing ? [tracing.plugin] : [],
      workflowBundle,
      maxCachedWorkflows: config.GENIE_WORKER_MAX_CACHED_WORKFLOWS,
    });
    logger.info(
      { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowBundle: workflowBundle ? 'prebuilt' : 'bundled at start' },
      'worker polling'
    );
    // Genies and their Temporal Schedules drift apart if a write half-failed: one reconciler
    // workflow repairs it now and every few minutes.
    await requestScheduleReconciliation(client, config.TEMPORAL_TASK_QUEUE).catch((err: unknown) =>
      logger.warn({ err }, 'could not reach the schedule reconciler; it runs on its own timer')
    );
    process.send?.({ ready: true }); // for `npm start`, which waits for it before printing the banner
    const running = worker.run();
    // The SDK also stops the worker on SIGINT/SIGTERM itself; shut down only if it has not.
    await Promise.race([
      onShutdown().then(() => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }),
      running,
    ]);
    await running;
    logger.info('worker stopped');
  } finally {
    await metricsServer?.close();
    await tracing?.shutdown();
    await client.connection.close();
    await connection.close();
    await db.destroy();
  }
}
