// `npm start`: the whole stack on one machine — embedded Postgres (unless DATABASE_URL), a Temporal
// dev server with its UI (unless TEMPORAL_ADDRESS), migrations, the API and a worker. Ctrl-C or
// SIGTERM stops all of it, in order.
import fs from 'node:fs';
import path from 'node:path';
import { createDb, migrateLatest } from '../db';
import { getConfig, temporalUiUrl } from '../platform/config';
import { ensureDevApiKey } from '../dev/dev-key';
import type { ChildHandle } from '../dev/processes';
import { spawnNodeChild, startServices, waitForHealthy, waitForReady } from '../dev/stack';
import { onShutdown, runMain } from '../platform/process';
import { assertPortFree } from '../platform/ports';
import { requireTemporalCli } from '../dev/temporal-cli';
import { temporalAddress } from '../temporal/client';
import { resolveEncryptionKeys } from '../security/encryption-keys';

runMain('worker-genies', async () => {
  const startedAt = Date.now();
  const config = getConfig();
  fs.mkdirSync(path.join(config.dataDir, 'logs'), { recursive: true });
  const logFile = (name: string) => path.join(config.dataDir, 'logs', `${name}.log`);
  const embeddedTemporal = !config.TEMPORAL_ADDRESS;

  // Fail fast, before starting anything, on what we can check up front.
  await assertPortFree(config.PORT, 'API', 'PORT');
  if (embeddedTemporal) requireTemporalCli(config.TEMPORAL_CLI_PATH);

  // Stopped in reverse order of starting: API and worker first, Postgres last.
  const children: ChildHandle[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const handle of [...children].reverse()) await handle.stop();
  };
  const shutdownRequested = onShutdown();

  try {
    console.log(`Starting Worker Genies (data in ${config.dataDir})...`);
    const { postgres, temporal } = await startServices({
      postgres: config.DATABASE_URL
        ? undefined
        : { dataDir: config.dataDir, port: config.GENIE_PG_PORT, logFile: logFile('postgres') },
      temporal: embeddedTemporal
        ? {
            dataDir: config.dataDir,
            port: config.TEMPORAL_DEV_PORT,
            uiPort: config.TEMPORAL_UI_PORT,
            cliPath: config.TEMPORAL_CLI_PATH,
            logFile: logFile('temporal'),
          }
        : undefined,
    });
    if (postgres) children.push(postgres.handle);
    if (temporal) children.push(temporal);
    const databaseUrl = config.DATABASE_URL ?? postgres!.url;

    const db = createDb(databaseUrl, { max: 2 });
    let devKey: string;
    try {
      await migrateLatest(db);
      devKey = await ensureDevApiKey(db, config.dataDir);
    } finally {
      await db.destroy();
    }

    resolveEncryptionKeys(config); // generated once into the data dir before the API and worker read it
    const env = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress(config) };
    const worker = spawnNodeChild('worker', env);
    children.push(worker);
    const api = spawnNodeChild('api', env);
    children.push(api);
    const apiUrl = `http://localhost:${config.PORT}`;
    await Promise.all([waitForHealthy(`${apiUrl}/healthz`, api, 60_000), waitForReady(worker, 120_000)]);

    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    console.log(
      [
        '',
        `Worker Genies is running (started in ${seconds}s).`,
        `  API          ${apiUrl}`,
        `  Temporal UI  ${temporalUiUrl(config)}${embeddedTemporal ? '' : ' (external Temporal)'}`,
        `  Temporal     ${temporalAddress(config)}  namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`,
        `  Postgres     ${config.DATABASE_URL ? 'DATABASE_URL' : `embedded on port ${config.GENIE_PG_PORT}`}`,
        `  Logs         ${path.join(config.dataDir, 'logs')}`,
        '  Dev API key (dev@localhost):',
        devKey,
        '',
        'Press Ctrl-C to stop.',
      ].join('\n')
    );

    // Any child dying on its own takes the stack down rather than leaving half of it running.
    const childDied = Promise.race(
      children.map((handle) => handle.exited.then((code) => ({ name: handle.name, code })))
    );
    const reason = await Promise.race([shutdownRequested, childDied]);
    if (typeof reason === 'object' && !stopping) {
      console.error(`worker-genies: ${reason.name} exited (${reason.code}); stopping the stack.`);
      await stopAll();
      process.exitCode = 1;
      throw new Error(`${reason.name} exited unexpectedly`);
    }
    console.log('Stopping Worker Genies...');
    await stopAll();
    console.log('Stopped.');
  } catch (err) {
    await stopAll();
    throw err;
  }
});
