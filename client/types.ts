// What the API takes and answers, as TypeScript types. Answers are `z.infer` of the schemas the
// OpenAPI document is generated from (api/openapi/responses.ts), so they cannot drift from it;
// the bodies of genies and credentials are the input types of the schemas that validate them.
// Types only: nothing here exists at run time.
import type { z } from 'zod';
import type * as R from '../api/openapi/responses';
import type {
  McpInspectRequestSchema,
  GenieCreateSchema,
  GenieSchema,
  GenieUpdateSchema,
} from '../domain/schemas/genie';
import type { DataTableName } from '../domain/data-tables';
import type { APPROVAL_STATUSES } from '../domain/approvals';
import type { RUN_STATUSES, RunTextDelta, RunTextReset, TRIGGER_TYPES } from '../domain/runs';
import type { CredentialSchema, StoreCredentialSchema } from '../domain/schemas/credential';
import type { AccountUpdateSchema } from '../domain/schemas/account';
import type { EvalCreateSchema } from '../domain/schemas/eval';

// ── Answers (`data` of the success envelope) ────────────────────────────────────────────────────

export type Health = z.infer<typeof R.HealthSchema>['data'];
export type TokenUsage = z.infer<typeof R.UsageSchema>;
/** A genie as stored (`version`, timestamps and every field with its default filled in). */
export type Genie = z.infer<typeof GenieSchema>;
/** A genie in a list: with its last run. */
export type GenieSummary = z.infer<typeof R.GenieSummarySchema>;
/** One genie: with its recent runs, and its schedule's next run times and state when scheduled. */
export type GenieWithRuns = z.infer<typeof R.GenieWithRunsSchema>;
/** A genie just saved: `webhook_secret` only in the answer that first sets a `webhook_url`. */
export type GenieSaved = z.infer<typeof R.GenieSavedSchema>;
export type Run = z.infer<typeof R.RunSchema>;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type Step = z.infer<typeof R.StepSchema>;
/** What a running run is doing now (`phase` names one of the catalogue's `run_phases`). */
export type RunLive = z.infer<typeof R.RunLiveSchema>;
export type RunState = z.infer<typeof R.RunStateSchema>;
/** A run with its steps, approvals, webhook deliveries, and (running) what it is doing now. */
export type RunWithSteps = z.infer<typeof R.RunWithStepsSchema>;
export type RunStarted = z.infer<typeof R.RunStartedSchema>;
export type Approval = z.infer<typeof R.ApprovalSchema>;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export type WebhookDelivery = z.infer<typeof R.WebhookDeliverySchema>;
export type WebhookSecret = z.infer<typeof R.WebhookSecretSchema>;
export type Deleted = z.infer<typeof R.DeletedSchema>;
export type Credential = z.infer<typeof CredentialSchema>;
export type CredentialDeleted = z.infer<typeof R.CredentialDeletedSchema>;
export type CredentialTestResult = z.infer<typeof R.CredentialTestSchema>;
export type McpServerInspection = z.infer<typeof R.McpServerInspectionSchema>;
export type ModelList = z.infer<typeof R.ModelListSchema>;
export type Account = z.infer<typeof R.AccountSchema>;
export type Eval = z.infer<typeof R.EvalSchema>;
export type EvalList = z.infer<typeof R.EvalListSchema>;
export type EvalStarted = z.infer<typeof R.EvalStartedSchema>;
export type EvalCreate = z.input<typeof EvalCreateSchema>;
export type AccountUpdate = z.input<typeof AccountUpdateSchema>;
export type Notification = z.infer<typeof R.NotificationSchema>;
export type MemoryEntry = z.infer<typeof R.MemoryListSchema>['items'][number];
export type DataRows = z.infer<typeof R.DataRowsSchema>;
export type Ingested = z.infer<typeof R.IngestedSchema>;
export type EventAccepted = z.infer<typeof R.EventAcceptedSchema>;
export type FanOutAccepted = z.infer<typeof R.FanOutAcceptedSchema>;
export type ApiKey = z.infer<typeof R.ApiKeySchema>;
/** A new API key: `key` is shown this once. */
export type ApiKeyCreated = z.infer<typeof R.ApiKeyCreatedSchema>;
export type Catalogue = z.infer<typeof R.CatalogueSchema>;

/** Pages of a list: `next_cursor` (present when more exist) goes back as `cursor` for the next page. */
export type GenieList = z.infer<typeof R.GenieListSchema>;
export type RunList = z.infer<typeof R.RunListSchema>;
export type ApprovalList = z.infer<typeof R.ApprovalListSchema>;
export type NotificationList = z.infer<typeof R.NotificationListSchema>;
/** Lists that come whole, in one answer. */
export type CredentialList = z.infer<typeof R.CredentialListSchema>;
export type MemoryList = z.infer<typeof R.MemoryListSchema>;
export type ApiKeyList = z.infer<typeof R.ApiKeyListSchema>;

export type { RunTextDelta, RunTextReset } from '../domain/runs';

/**
 * One event of `GET /v1/runs/{run_id}/stream`, its `data` parsed: the run for `status` (on connect
 * and on every change) and `end` (the last event), each step once in seq order (`id` is its seq:
 * give it back as `lastEventId` to resume after it), each approval when requested and when
 * settled, the run with what it is doing now (`run`: on connect and on every change until it ends), and `error` when the key was revoked.
 * While Claude writes, `text` carries its words as they come and `text_reset` voids an attempt's
 * text that is retried; both are live only (no `id`, never replayed), and a turn's text comes
 * before the `step` that saves the turn (whose `output_preview` has it whole).
 */
export type RunStreamEvent =
  | { event: 'status'; data: Run; id?: string }
  | { event: 'step'; data: Step; id?: string }
  | { event: 'approval'; data: Approval; id?: string }
  | { event: 'run'; data: RunState; id?: string }
  | { event: 'text'; data: RunTextDelta; id?: undefined }
  | { event: 'text_reset'; data: RunTextReset; id?: undefined }
  | { event: 'end'; data: Run; id?: string }
  | { event: 'error'; data: { code: string; message: string }; id?: string };
export type RunStreamEventName = RunStreamEvent['event'];

// ── Requests ────────────────────────────────────────────────────────────────────────────────────

/** A new genie: `name` and `soul_prompt`, the rest optional with the defaults `GET /v1/catalogue` lists. */
export type GenieCreate = z.input<typeof GenieCreateSchema>;
/** Any subset of a genie's fields; `schedule` merges into the current one. */
export type GenieUpdate = z.input<typeof GenieUpdateSchema>;
/** A credential to store: `allowed_hosts` is required (`["*"]` for any public host). */
export type StoreCredential = z.input<typeof StoreCredentialSchema>;

/** `cursor` is the previous page's `next_cursor`. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}
export interface ListGeniesQuery extends PageQuery {
  trigger_type?: (typeof TRIGGER_TYPES)[number];
  enabled?: boolean;
}
export interface ListRunsQuery extends PageQuery {
  status?: RunStatus;
}
export interface ListApprovalsQuery extends PageQuery {
  status?: ApprovalStatus;
}
export interface ListNotificationsQuery extends PageQuery {
  unread?: boolean;
}
export interface ListMemoryQuery {
  /** Default: both. */
  scope?: 'genie' | 'account';
  prefix?: string;
  limit?: number;
}

/** A run's input: text or any JSON; it becomes the run's first user message. */
export interface RunRequest {
  input?: unknown;
}
export interface RunOptions {
  /**
   * 1 to 255 characters: the same key (same user, within 24 h) answers the first run and starts
   * nothing; the same key with another genie or input is a 409 `conflict`.
   */
  idempotencyKey?: string;
}

/** The request of a stored credential's test: with `url`, a real request with it. */
/** What inspectMcpServer takes: the server's URL, and one of your credentials to send it. */
export type InspectMcpServerRequest = z.input<typeof McpInspectRequestSchema>;

export interface TestCredentialRequest {
  url?: string;
  method?: 'GET' | 'HEAD' | 'POST';
  timeout_ms?: number;
}

export interface GenieEvent {
  /** JSON, up to 256 KiB; reaches the model in the run's first message. */
  payload?: unknown;
  /** Default `manual`. */
  event_type?: string;
  /** A repeat is accepted as a duplicate. */
  idempotency_key?: string;
}
export interface FanOutEvent extends GenieEvent {
  event_type: string;
}

export interface Decision {
  /** Told to the model on a denial, and kept with the approval. */
  note?: string | null;
}

export interface CreateApiKey {
  name?: string;
}

export type DataTable = DataTableName;
/** A row to ingest: the table's columns (`null` for a column the database fills in means "fill it in"). */
export type DataRow = Record<string, unknown>;
/** `GET /v1/data/{table}`: `filters` as `query_data`'s, `{column: 'op.value'}` (`{score: 'gte.50'}`). */
export interface DataReadQuery {
  filters?: Record<string, string | string[]>;
  limit?: number;
  offset?: number;
  /** `column` or `column.desc`. */
  order?: string;
  /** Comma-separated columns to return. */
  columns?: string;
  count_only?: boolean;
}

/** A body of `POST /v1/worker-genies`: no `action` creates a genie; otherwise `{action, id?|run_id?, data?}`. */
export interface ActionRequest {
  action?: string;
  resource?: 'worker-genies';
  [field: string]: unknown;
}
