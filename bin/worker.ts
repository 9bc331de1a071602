// `npm run worker`: the Temporal worker alone, for production (Postgres and Temporal elsewhere).
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createDb } from '../db';
import { getConfig } from '../lib/config';
import { resolveDatabaseUrl } from '../lib/database-url';
import { createLogger } from '../lib/logger';
import { onShutdown, runMain } from '../lib/main';
import { createTemporalClient, ensureSearchAttributes, temporalAddress } from '../lib/temporal';
import { PinoSdkLogger } from '../worker/sdk-logger';
import { createActivityDeps, createGenieWorker } from '../worker/worker';
import { listAllScheduledGenies } from '../db/repositories/genies';
import { GenieSchedules, reconcileSchedules } from '../lib/genie-schedules';
import type { ScheduledGenie } from '../lib/schedules';

const RECONCILE_EVERY_MS = 10 * 60 * 1000;

runMain('worker', async () => {
  const config = getConfig();
  const logger = createLogger(config, 'worker');
  Runtime.install({ logger: new PinoSdkLogger(logger.child({ component: 'temporal-sdk' })) });
  const db = createDb(resolveDatabaseUrl(config));
  const client = createTemporalClient(config);
  const added = await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
  if (added.length > 0) logger.info({ added }, 'registered search attributes');

  // Genies and their Temporal Schedules drift apart if a write half-failed; repair at start and
  // every RECONCILE_EVERY_MS.
  const schedules = new GenieSchedules(client, config.TEMPORAL_TASK_QUEUE);
  const reconcile = () =>
    listAllScheduledGenies(db)
      .then((genies) => reconcileSchedules(schedules, genies as ScheduledGenie[]))
      .then((report) => {
        if (report.created.length || report.deleted.length) logger.info(report, 'schedules reconciled');
      })
      .catch((err: unknown) => logger.warn({ err }, 'schedule reconciliation failed; will retry'));
  await reconcile();
  const reconciler = setInterval(() => void reconcile(), RECONCILE_EVERY_MS);

  const connection = await NativeConnection.connect({ address: temporalAddress(config) });
  try {
    const worker = await createGenieWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      deps: createActivityDeps(config, db, logger),
    });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
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
    clearInterval(reconciler);
    await client.connection.close();
    await connection.close();
    await db.destroy();
  }
});
