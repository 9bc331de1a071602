import type { Client } from '@temporalio/client';
import type { Db } from '../../db';
import type { FetchPolicy } from '../../fetch/ssrf';
import type { Vault } from '../../security/vault';
import type { PriceTable } from '../../domain/prices';
import { DEFAULT_PRICES } from '../../platform/default-prices';
import { DEFAULT_MODEL } from '../../platform/config';
import { GenieSchedules } from '../../temporal/genie-schedules';
import { AccountService } from './account';
import { ApiKeyService } from './api-keys';
import { ApprovalService } from './approvals';
import { CredentialService } from './credentials';
import { DataService } from './data';
import { EvalService } from './evals';
import { EventService } from './events';
import { GenieService } from './genies';
import { HealthService } from './health';
import { McpService } from './mcp';
import { MemoryService } from './memory';
import { NotificationService } from './notifications';
import { RunService } from './runs';
import { DEFAULT_STREAM_TIMINGS, RunStreamService, type RunStreamTimings } from './run-stream';
import { askTemporal, LiveCache } from './live-cache';
import { StreamSlots } from './stream-slots';
import type { RunEventListener } from '../../db/run-listener';
import type { Logger } from '../../platform/logger';

/** What the services need from the process. */
export interface ServiceDeps {
  db: Db;
  temporal: Client;
  namespace: string;
  temporalUiUrl: string;
  /** Where runs are started (the worker polls it). */
  taskQueue: string;
  vault: Vault;
  /** What test-credential may reach (GENIE_FETCH_ALLOW_HOSTS). */
  fetchPolicy: FetchPolicy;
  /** The prices runs are costed by (GENIE_PRICES_FILE's); the shipped table unless given. */
  prices?: PriceTable;
  /** The model of genies that name none (GENIE_MODEL). */
  defaultModel?: string;
  /** The process's LISTEN connection for run streams (stopped by whoever made it). */
  runEvents: RunEventListener;
  /** Run streams' timings; `liveMs` is also how old the process's LiveCache lets a run's live state get. */
  streamTimings?: RunStreamTimings;
  /** Run streams one API key may hold open at once (MAX_STREAMS_PER_KEY unless a test says). */
  maxStreamsPerKey?: number;
  /** Where the health check says why Temporal does not answer. */
  logger?: Logger;
}

/** Every service behind the API, wired once per app. */
export function createServices(deps: ServiceDeps) {
  const links = { temporalUiUrl: deps.temporalUiUrl, namespace: deps.namespace };
  const credentials = new CredentialService(deps.db, deps.vault, deps.fetchPolicy);
  const events = new EventService(deps.db, deps.temporal, deps.taskQueue);
  const schedules = new GenieSchedules(deps.temporal, deps.taskQueue);
  const streamTimings = deps.streamTimings ?? DEFAULT_STREAM_TIMINGS;
  // One per app, so one per API process: run detail and run streams ask Temporal about a run at most once per liveMs.
  const liveCache = new LiveCache(askTemporal(deps.temporal), { maxAgeMs: streamTimings.liveMs });
  const genies = new GenieService(
    deps.db,
    deps.temporal,
    links,
    credentials,
    schedules,
    events,
    deps.vault,
    deps.fetchPolicy,
    { prices: deps.prices ?? DEFAULT_PRICES, defaultModel: deps.defaultModel ?? DEFAULT_MODEL }
  );
  const runs = new RunService(deps.db, deps.temporal, { ...links, taskQueue: deps.taskQueue }, liveCache);
  return {
    health: new HealthService(deps.db, deps.temporal, deps.logger),
    account: new AccountService(deps.db, deps.temporal),
    credentials,
    mcp: new McpService(deps.db, deps.vault, deps.fetchPolicy),
    prices: deps.prices ?? DEFAULT_PRICES,
    defaultModel: deps.defaultModel ?? DEFAULT_MODEL,
    events,
    genies,
    evals: new EvalService(deps.db, deps.temporal, genies, deps.taskQueue),
    runs,
    runStream: new RunStreamService(
      deps.db,
      deps.runEvents,
      liveCache,
      links,
      new StreamSlots(deps.db, deps.maxStreamsPerKey),
      streamTimings
    ),
    memory: new MemoryService(deps.db),
    data: new DataService(deps.db),
    notifications: new NotificationService(deps.db),
    apiKeys: new ApiKeyService(deps.db),
    approvals: new ApprovalService(deps.db, deps.temporal, deps.vault),
  };
}

export type Services = ReturnType<typeof createServices>;
