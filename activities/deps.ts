import type { Db } from '../db';
import type { RunLinks } from '../db/presenters';
import type { FetchPolicy } from '../fetch/ssrf';
import type { Mailer } from '../platform/mailer';
import type { Vault } from '../security/vault';
import type { PriceTable } from '../domain/prices';
import type { GenieSchedules } from '../temporal/genie-schedules';
import type { GenieMetrics } from '../platform/metrics';

/** How the model activity reaches Claude. */
export interface ModelSettings {
  apiKey?: string;
  baseURL?: string;
  defaultModel: string;
  /** max_tokens of each Messages API call. */
  maxOutputTokens: number;
  /** Per-request timeout; Temporal's start-to-close timeout bounds the whole activity. */
  requestTimeoutMs: number;
}

/**
 * What activities need from the process: the worker wires real clients (worker/deps.ts), tests wire
 * their own. Each activity factory takes a `Pick` of it.
 */
export interface ActivityDeps {
  db: Db;
  model: ModelSettings;
  vault: Vault;
  /** What web_fetch may reach (GENIE_FETCH_ALLOW_HOSTS). */
  fetchPolicy: FetchPolicy;
  /** Undefined when SMTP_URL is not set: emails are recorded as skipped. */
  mailer?: Mailer;
  notify: { maxPerRun: number };
  /** The genies' Temporal Schedules (for the schedule reconciler). */
  schedules: GenieSchedules;
  /** The URL owners reach the API at (approval links in emails). */
  publicUrl: string;
  /** Where runs are in the Temporal UI (webhook payloads carry the run as the API shows it). */
  links: RunLinks;
  /** Genie metrics for Prometheus (the worker's `/metrics`); none in tests that do not look. */
  metrics?: GenieMetrics;
  /** The prices model calls are costed by (GENIE_PRICES_FILE's); the shipped table unless given. */
  prices?: PriceTable;
  /** The clock monthly budgets go by (the system's unless given: tests turn the month with it). */
  clock?: () => Date;
}

/** What tools need. */
export type ToolDeps = Pick<ActivityDeps, 'db' | 'vault' | 'fetchPolicy' | 'mailer' | 'notify' | 'metrics'>;
