import type { PriceTable } from '../../domain/prices';
import path from 'node:path';
import pino, { type DestinationStream } from 'pino';
import type { FetchPolicy } from '../../fetch/ssrf';
import { NativeConnection, Runtime, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../../db';
import { GenieSchedules } from '../../temporal/genie-schedules';
import { createMailer } from '../../platform/mailer';
import { PinoSdkLogger } from '../../worker/sdk-logger';
import { createGenieWorker } from '../../worker/worker';
import { testDataConverter, testVault } from './keys';
import type { GenieMetrics } from '../../platform/metrics';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let runtimeInstalled = false;

/** The workflows bundled once per test file (bundling takes seconds). */
function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../workflows'),
    logger: new PinoSdkLogger(pino({ level: 'warn' })),
  });
  return bundle;
}

export interface TestWorker {
  taskQueue: string;
  stop(): Promise<void>;
}

/** What a test worker is started with. */
export interface TestWorkerOptions {
  taskQueue: string;
  anthropicBaseUrl: string;
  anthropicApiKey?: string | null;
  /** What web_fetch may reach (GENIE_FETCH_ALLOW_HOSTS, and a DNS to inject). */
  fetchPolicy?: FetchPolicy;
  /** The prices model calls are costed by (the shipped table unless given). */
  prices?: PriceTable;
  /** The clock monthly budgets go by (the system's unless given). */
  clock?: () => Date;
  /** SMTP_URL of this worker (none: emails are skipped). */
  smtpUrl?: string;
  notifyMaxPerRun?: number;
  /** Where approval links in emails point (the harness's URL, to follow them). */
  publicUrl?: string;
  /** Postgres of this worker (a proxy, to play outages); the suite's by default. */
  databaseUrl?: string;
  /** Genie metrics the activities record (none by default). */
  metrics?: GenieMetrics;
  /** Where the SDK's and the activities' logs go (tests scan them for secrets); the first worker of a file decides. */
  logStream?: DestinationStream;
}

/**
 * The real worker (real workflows and activities) on its own task queue, against the suite's
 * Postgres and Temporal, calling the model at `anthropicBaseUrl`.
 */
export async function startTestWorker(options: TestWorkerOptions): Promise<TestWorker> {
  if (!runtimeInstalled) {
    const logger = options.logStream
      ? pino({ level: 'trace' }, options.logStream)
      : pino({ level: process.env.TEST_LOG_LEVEL ?? 'error' });
    Runtime.install({ logger: new PinoSdkLogger(logger) });
    runtimeInstalled = true;
  }
  const db = createDb(options.databaseUrl ?? process.env.DATABASE_URL!);
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({
    connection: Connection.lazy({ address: process.env.TEMPORAL_ADDRESS! }),
    dataConverter: testDataConverter(),
  });
  const worker = await createGenieWorker({
    connection,
    namespace: 'default',
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter: testDataConverter(),
    deps: {
      db,
      model: {
        apiKey: options.anthropicApiKey === null ? undefined : (options.anthropicApiKey ?? 'sk-ant-fake-test-key'),
        baseURL: options.anthropicBaseUrl,
        defaultModel: 'claude-sonnet-5-5',
        maxOutputTokens: 1024,
        requestTimeoutMs: 30_000,
      },
      vault: testVault(),
      fetchPolicy: options.fetchPolicy ?? { allowHosts: [] },
      ...(options.prices ? { prices: options.prices } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      mailer: options.smtpUrl ? createMailer(options.smtpUrl, 'Genies <genies@test.local>') : undefined,
      notify: { maxPerRun: options.notifyMaxPerRun ?? 20 },
      schedules: new GenieSchedules(client, options.taskQueue),
      publicUrl: options.publicUrl ?? 'http://genies.test',
      links: { temporalUiUrl: 'http://localhost:8233', namespace: 'default' },
      metrics: options.metrics,
    },
  });
  const running = worker.run();
  return {
    taskQueue: options.taskQueue,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await client.connection.close();
      await db.destroy();
    },
  };
}
