import type { Client } from '@temporalio/client';
import type { ActivityDeps, ModelSettings } from '../activities';
import type { Db } from '../db';
import { publicUrl, temporalUiUrl, type Config } from '../platform/config';
import { createMailer } from '../platform/mailer';
import type { GenieMetrics } from '../platform/metrics';
import { resolveEncryptionKeys } from '../security/encryption-keys';
import { Vault } from '../security/vault';
import { GenieSchedules } from '../temporal/genie-schedules';

/** Output tokens per Claude call. */
const MODEL_MAX_OUTPUT_TOKENS = 8192;
/** One Messages API request may take this long (the activity's own timeout bounds retries). */
const MODEL_REQUEST_TIMEOUT_MS = 120_000;

/** How activities reach Claude, from the process configuration. */
function modelSettings(config: Config): ModelSettings {
  return {
    apiKey: config.ANTHROPIC_API_KEY,
    baseURL: config.ANTHROPIC_BASE_URL,
    defaultModel: config.GENIE_MODEL,
    maxOutputTokens: MODEL_MAX_OUTPUT_TOKENS,
    requestTimeoutMs: MODEL_REQUEST_TIMEOUT_MS,
  };
}

/** Everything activities need, from the process configuration. */
export function createActivityDeps(config: Config, db: Db, temporal: Client, metrics?: GenieMetrics): ActivityDeps {
  return {
    db,
    model: modelSettings(config),
    vault: new Vault(resolveEncryptionKeys(config)),
    fetchPolicy: { allowHosts: config.GENIE_FETCH_ALLOW_HOSTS },
    prices: config.prices,
    mailer: config.SMTP_URL ? createMailer(config.SMTP_URL, config.SMTP_FROM) : undefined,
    notify: { maxPerRun: config.GENIE_NOTIFY_MAX_PER_RUN },
    schedules: new GenieSchedules(temporal, config.TEMPORAL_TASK_QUEUE),
    publicUrl: publicUrl(config),
    links: { temporalUiUrl: temporalUiUrl(config), namespace: config.TEMPORAL_NAMESPACE },
    metrics,
  };
}
