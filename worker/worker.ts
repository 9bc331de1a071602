import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type ModelSettings } from '../activities';
import type { Db } from '../db';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createMailer } from '../lib/mailer';
import { resolveEncryptionKeys, Vault } from '../lib/vault';

/** Output tokens per Claude call. */
export const MODEL_MAX_OUTPUT_TOKENS = 8192;

/** How activities reach Claude, from the process configuration. */
export function modelSettings(config: Config): ModelSettings {
  return {
    apiKey: config.ANTHROPIC_API_KEY,
    baseURL: config.ANTHROPIC_BASE_URL,
    defaultModel: config.GENIE_MODEL,
    maxOutputTokens: MODEL_MAX_OUTPUT_TOKENS,
    requestTimeoutMs: 120_000,
  };
}

export interface GenieWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests bundle once per file); otherwise `workflows/` is bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Everything activities need, from the process configuration. */
export function createActivityDeps(config: Config, db: Db, logger: Logger): ActivityDeps {
  return {
    db,
    logger,
    model: modelSettings(config),
    vault: new Vault(resolveEncryptionKeys(config)),
    fetchPolicy: { allowHosts: config.GENIE_FETCH_ALLOW_HOSTS },
    mailer: config.SMTP_URL ? createMailer(config.SMTP_URL, config.SMTP_FROM) : undefined,
    notify: { maxPerRun: config.GENIE_NOTIFY_MAX_PER_RUN },
    faults: config.GENIE_FAULT_INJECTION ? [config.GENIE_FAULT_INJECTION] : [],
  };
}

/** A worker polling the genie task queue with every workflow and activity of the service. */
export async function createGenieWorker(options: GenieWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(options.deps),
  });
}
