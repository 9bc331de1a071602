// `npm start`: the whole stack on one machine — embedded Postgres (unless DATABASE_URL), a Temporal
// dev server with its UI (unless TEMPORAL_ADDRESS), migrations, the API and a worker — supervised:
// a child that dies is restarted with backoff; one that crash-loops stops the stack (exit 1).
// Ctrl-C, SIGTERM, or this process's parent going away stops all of it, in order.
// It stays small while it runs: no database client (migrations run in bin/dev-setup.ts), no
// Temporal client (the dev server's readiness is probed over HTTP/2), no logger.
import fs from 'node:fs';
import path from 'node:path';
import { nodeChild, postgresChild, runNodeChild, temporalChild, waitForHealthy } from '../dev/stack';
import { DEFAULT_RESTART_POLICY, Supervisor } from '../dev/supervisor';
import { requireTemporalCli } from '../dev/temporal-cli';
import { getConfig, logsArePretty, temporalAddress, temporalUiUrl } from '../platform/config';
import { devApiKeyFile, forgetRunningStack, recordRunningStack } from '../platform/data-dir';
import { StartupError } from '../platform/errors';
import { assertPortFree } from '../platform/ports';
import { onShutdown, runMain } from '../platform/process';
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

  const supervisor = new Supervisor((line) => console.error(`worker-genies: ${line}`), {
    ...DEFAULT_RESTART_POLICY,
    initialBackoffMs: config.GENIE_RESTART_BACKOFF_MS,
  });
  const shutdownRequested = onShutdown({ watchOutput: true });

  try {
    console.log(`Starting Worker Genies (data in ${config.dataDir})...`);
    const postgres = config.DATABASE_URL
      ? undefined
      : postgresChild({ dataDir: config.dataDir, port: config.GENIE_PG_PORT, logFile: logFile('postgres') });
    const services = await Promise.allSettled([
      postgres ? supervisor.start(postgres) : undefined,
      embeddedTemporal
        ? supervisor.start(
            temporalChild({
              dataDir: config.dataDir,
              port: config.TEMPORAL_DEV_PORT,
              uiPort: config.TEMPORAL_UI_PORT,
              uiCodecEndpoint: `http://localhost:${config.PORT}/codec`,
              cliPath: config.TEMPORAL_CLI_PATH,
              logFile: logFile('temporal'),
            })
          )
        : undefined,
    ]);
    const failed = services.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const databaseUrl = config.DATABASE_URL ?? postgres!.url!;

    await runNodeChild('dev-setup', { ...process.env, DATABASE_URL: databaseUrl }, 'Migrating the database');
    const devKey = fs.readFileSync(devApiKeyFile(config.dataDir), 'utf8').trim();

    resolveEncryptionKeys(config); // generated once into the data dir before the API and worker read it
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress(config),
      // The children write through a pipe; they log for people when this terminal is one.
      ...(logsArePretty(config) ? { LOG_FORMAT: 'pretty' } : {}),
      ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}),
    };
    const apiUrl = `http://localhost:${config.PORT}`;
    await Promise.all([
      supervisor.start(nodeChild('worker', env, 120_000)),
      supervisor.start(nodeChild('api', env, 60_000)).then((api) => waitForHealthy(`${apiUrl}/healthz`, api, 60_000)),
    ]);

    recordRunningStack(config.dataDir, {
      pid: process.pid,
      apiUrl,
      pgPort: config.DATABASE_URL ? undefined : config.GENIE_PG_PORT,
      temporalAddress: temporalAddress(config),
    });
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    console.log(
      [
        '',
        `Worker Genies is running (started in ${seconds}s).`,
        `  API          ${apiUrl}`,
        `  Temporal UI  ${temporalUiUrl(config)}${embeddedTemporal ? '' : ' (external Temporal)'}`,
        `  Temporal     ${temporalAddress(config)}  namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`,
        `  Metrics      ${apiUrl}/metrics${config.GENIE_WORKER_METRICS_PORT > 0 ? ` (API) · http://localhost:${config.GENIE_WORKER_METRICS_PORT}/metrics (worker)` : ''}`,
        `  Codec        ${apiUrl}/codec  (payloads are encrypted; the UI decodes them here, and so does: temporal workflow show --codec-endpoint ${apiUrl}/codec …)`,
        `  Postgres     ${config.DATABASE_URL ? 'DATABASE_URL' : `embedded on port ${config.GENIE_PG_PORT}`}`,
        `  Logs         ${path.join(config.dataDir, 'logs')}`,
        '  Dev API key (dev@localhost):',
        devKey,
        '',
        'Press Ctrl-C to stop.',
      ].join('\n')
    );

    // Runs until asked to stop, or until a child crash-loops.
    await Promise.race([shutdownRequested, supervisor.failed]);
    console.log('Stopping Worker Genies...');
    forgetRunningStack(config.dataDir);
    await supervisor.stopAll();
    console.log('Stopped.');
  } catch (err) {
    forgetRunningStack(config.dataDir);
    await supervisor.stopAll();
    if (err instanceof Error && err.name === 'CrashLoopError') throw new StartupError(`${err.message}; stopped.`);
    throw err;
  }
});
