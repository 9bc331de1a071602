// `npm run api`: the REST API alone, for production (Postgres and Temporal elsewhere).
import { createApp } from '../api/app';
import { close, listen } from '../api/server';
import { createDb } from '../db';
import { RunEventListener } from '../db/run-listener';
import { codecCorsOrigins, getConfig, temporalUiUrl } from '../platform/config';
import { resolveDatabaseUrl } from '../platform/database-url';
import { createLogger } from '../platform/logger';
import { createHttpMetrics } from '../platform/metrics';
import { startTracing } from '../platform/tracing';
import { collectDefaultMetrics } from 'prom-client';
import { runMain, onShutdown } from '../platform/process';
import { createTemporalClient } from '../temporal/client';
import { resolveEncryptionKeys, resolvePayloadKeys } from '../security/encryption-keys';
import { AesGcmPayloadCodec } from '../security/payload-codec';
import { Vault } from '../security/vault';

runMain('api', async () => {
  const config = getConfig();
  const logger = createLogger(config, 'api');
  const db = createDb(resolveDatabaseUrl(config));
  const tracing = startTracing('worker-genies-api', config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const payloadKeys = resolvePayloadKeys(config);
  const temporal = createTemporalClient(config, payloadKeys, tracing ? [tracing.plugin] : []);
  const runEvents = new RunEventListener(db);
  const httpMetrics = createHttpMetrics();
  collectDefaultMetrics({ register: httpMetrics.registry });
  const app = createApp({
    httpMetrics,
    db,
    temporal,
    logger,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: temporalUiUrl(config),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    vault: new Vault(resolveEncryptionKeys(config)),
    fetchPolicy: { allowHosts: config.GENIE_FETCH_ALLOW_HOSTS },
    prices: config.prices,
    defaultModel: config.GENIE_MODEL,
    runEvents,
    codecServer: {
      codec: new AesGcmPayloadCodec(payloadKeys, { plain: 'pass' }), // shows a history as it is
      token: config.GENIE_CODEC_TOKEN,
      allowLoopback: config.NODE_ENV !== 'production',
      allowNetworks: config.GENIE_CODEC_ALLOW_NETWORKS,
      corsOrigins: codecCorsOrigins(config),
    },
    metricsToken: config.GENIE_METRICS_TOKEN,
    trustProxy: config.GENIE_TRUST_PROXY,
    rateLimits: {
      perKeyPerMinute: config.GENIE_RATE_LIMIT_PER_MINUTE,
      failedAuthPerMinute: config.GENIE_AUTH_FAILURE_LIMIT_PER_MINUTE,
    },
  });
  const server = await listen(app, config.PORT);
  logger.info({ port: config.PORT }, `API listening on http://localhost:${config.PORT}`);
  if (config.GENIE_CODEC_ALLOW_NETWORKS.length > 0) {
    logger.warn(
      { networks: config.GENIE_CODEC_ALLOW_NETWORKS },
      'GENIE_CODEC_ALLOW_NETWORKS lets every caller from these networks decrypt Temporal payloads without the codec token'
    );
  }
  process.send?.({ ready: true }); // for `npm start`'s supervisor
  await onShutdown();
  logger.info('API stopping');
  await close(server);
  await runEvents.stop();
  await temporal.connection.close();
  await db.destroy();
  await tracing?.shutdown();
});
