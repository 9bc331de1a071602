// The API's answers as zod schemas, for the OpenAPI document only (presenters build the values).
import { CURSOR_PATTERN } from '../../db/pagination';
import { EVAL_STATUSES } from '../../domain/evals';
import { APPROVAL_STATUSES, WEB_FETCH_METHODS } from '../../domain/approvals';
import { RUN_PHASES, RUN_STATUSES, RUN_TRIGGER_TYPES } from '../../domain/runs';
import { TOOL_NAMES } from '../../domain/tools';
import { WEBHOOK_EVENTS } from '../../domain/webhooks';
import { CredentialSchema } from '../../domain/schemas/credential';
import { MCP_APPROVAL_POLICIES } from '../../domain/mcp';
import { MODEL_MODES, ModelPriceSchema } from '../../domain/prices';
import { GenieSchema, McpServerSchema, OVERLAP_POLICIES } from '../../domain/schemas/genie';
import { z } from '../../domain/schemas/zod';

export const ERROR_CODES = [
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'validation_error',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'upstream_unavailable',
  'internal',
] as const;

export const ErrorSchema = z
  .object({
    success: z.literal(false),
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), details: z.unknown().optional() }),
  })
  .openapi('Error');

/** `{success: true, data}`. */
export const ok = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });

const timestamp = z.string().openapi({ format: 'date-time' });
const nextCursor = z.string().regex(CURSOR_PATTERN).optional().openapi({ description: 'present when more exist' });
/** A page of a list: `items`, and `next_cursor` when more exist. */
const list = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), next_cursor: nextCursor }).openapi(name);
/** A whole list, never paged. */
const wholeList = <T extends z.ZodType>(item: T, name: string) => z.object({ items: z.array(item) }).openapi(name);

export const UsageSchema = z
  .object({
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cache_read_input_tokens: z.number().int(),
    cache_creation_input_tokens: z.number().int(),
  })
  .openapi('TokenUsage');

export const RunSchema = z
  .object({
    id: z.string().uuid(),
    genie_id: z.string().uuid(),
    workflow_id: z.string(),
    temporal_ui_url: z.string(),
    trigger_type: z.enum(RUN_TRIGGER_TYPES),
    status: z.enum(RUN_STATUSES),
    genie_version: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'the genie version the run ran with (null: recorded before versions)' }),
    input: z.unknown(),
    output: z.string().nullable(),
    error: z.object({ type: z.string(), message: z.string() }).nullable(),
    turns: z.number().int(),
    usage: UsageSchema,
    scheduled_at: timestamp.nullable(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    duration_ms: z.number().int().nullable(),
    warnings: z
      .array(
        z.object({
          type: z.enum(['mcp_unavailable']),
          server: z.string(),
          message: z.string(),
        })
      )
      .openapi({
        description: 'why the run goes on without something it was set up with (an MCP server it could not list)',
      }),
    cost_usd: z
      .number()
      .nullable()
      .openapi({ description: 'what its model calls cost, every response billed (null: its model has no price)' }),
    eval_id: z.string().uuid().optional().openapi({ description: 'a case of this eval (trigger_type eval)' }),
    baseline_run_id: z.string().uuid().optional().openapi({ description: 'an eval case: the run it replays' }),
    parent_run_id: z
      .string()
      .uuid()
      .nullable()
      .openapi({ description: 'a delegated run (trigger_type delegated): the run whose ask_genie call started it' }),
  })
  .openapi('Run');

export const StepSchema = z
  .object({
    seq: z.number().int(),
    kind: z.enum(['model', 'tool', 'server_tool']),
    turn: z.number().int(),
    tool: z.string().nullable().optional(),
    tool_use_id: z.string().nullable().optional(),
    input: z.unknown(),
    output_preview: z.string().nullable(),
    is_error: z.boolean(),
    usage: UsageSchema.optional(),
    cost_usd: z
      .number()
      .nullable()
      .optional()
      .openapi({ description: 'model steps: what the call cost (null: no price)' }),
    started_at: timestamp,
    duration_ms: z.number().int().nullable(),
    thinking_preview: z
      .string()
      .optional()
      .openapi({ description: 'model steps with extended thinking: the start of what Claude thought' }),
    source: z
      .enum(['recorded', 'live', 'refused'])
      .optional()
      .openapi({ description: 'an eval case’s tool step: where its answer came from' }),
  })
  .openapi('RunStep');

export const RunLiveSchema = z
  .object({
    phase: z.string(),
    turn: z.number().int(),
    current_tools: z.array(z.string()),
    attempt: z.number().int().openapi({ description: 'above 1 while Temporal retries the current activity' }),
    last_failure: z.string().nullable(),
    activity: z.string().optional(),
  })
  .openapi('RunLive', { description: 'what a running run is doing now' });

export const ApprovalSchema = z
  .object({
    id: z.string().uuid(),
    run_id: z.string().uuid(),
    genie_id: z.string().uuid(),
    tool: z.string(),
    tool_use_id: z.string(),
    input: z.unknown().openapi({ description: 'the call’s input (secret-looking header values redacted)' }),
    status: z.enum(APPROVAL_STATUSES),
    note: z.string().nullable(),
    requested_at: timestamp,
    decided_at: timestamp.nullable(),
    expires_at: timestamp,
  })
  .openapi('Approval');
export const ApprovalListSchema = list(ApprovalSchema, 'ApprovalList');

export const WebhookDeliverySchema = z
  .object({
    id: z.string().uuid().openapi({ description: 'also the webhook-id header of every attempt' }),
    event: z.enum(WEBHOOK_EVENTS),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: timestamp,
    delivered_at: timestamp.nullable(),
  })
  .openapi('WebhookDelivery');

export const GenieConfigSchema = z
  .object({
    version: z.number().int(),
    name: z.string(),
    soul_prompt: z.string(),
    tools: z.array(z.string()),
    model: z.string().nullable(),
    max_turns: z.number().int(),
    max_tokens_per_run: z.number().int().nullable(),
    max_cost_per_run_usd: z.number().nullable(),
    model_mode: z.enum(MODEL_MODES),
    thinking_budget_tokens: z.number().int().nullable(),
    server_tools: z.array(z.string()),
    delegates: z.array(z.string().uuid()),
    credential_refs: z.array(z.string()),
    approval_required: z.array(z.string()),
    approval_timeout_seconds: z.number().int(),
    mcp_servers: z.array(McpServerSchema),
  })
  .openapi('GenieConfig', { description: 'the genie as it was at the version the run ran with' });

export const RunWithStepsSchema = RunSchema.extend({
  genie_config: GenieConfigSchema.optional(),
  live: RunLiveSchema.optional(),
  approvals: z.array(ApprovalSchema),
  webhook_deliveries: z.array(WebhookDeliverySchema),
  children: z
    .array(
      z.object({
        run_id: z.string().uuid(),
        genie_id: z.string().uuid(),
        status: z.enum(RUN_STATUSES),
        cost_usd: z.number().nullable().openapi({ description: 'what the child run’s own model calls cost' }),
      })
    )
    .openapi({ description: 'the runs this run asked for (ask_genie), in the order they were asked' }),
  steps: z.array(StepSchema),
}).openapi('RunWithSteps');
export const RunListSchema = list(RunSchema, 'RunList');
export const RunStateSchema = RunSchema.extend({
  live: z.union([RunLiveSchema, z.null()]),
}).openapi('RunState', {
  description:
    'a run (without steps) and what it is doing now (live is null when it is not running or nothing is known yet), as one stream event',
});
/**
 * One event of a run's stream, as SSE parses it: `event` names it, `data` is JSON (the run for
 * `status` and `end`, the run with its live state for `run`, a step for `step`, Claude's live text
 * for `text` and `text_reset`), `id` is the last step's seq (text events have none).
 */
export const RunStreamEventSchema = z
  .object({
    event: z.enum(['status', 'run', 'step', 'approval', 'text', 'text_reset', 'end', 'error']),
    data: z.string().openapi({
      description:
        'JSON: a Run (status, end), a RunState (run: on connect and whenever the run or what it is doing changed), a Step (step), an Approval (approval), {turn, attempt, delta} (text: the next piece of what Claude is writing in that turn; live only, no id), {turn, attempt} (text_reset: drop the text of that attempt of the turn, it is retried), an error {code, message} (error: the key was revoked)',
    }),
    id: z
      .string()
      .regex(/^\d+$/)
      .nullable()
      .optional()
      .openapi({ description: 'the seq of the last step sent (SSE ids persist until the next one)' }),
  })
  .openapi('RunStreamEvent', { description: 'One Server-Sent Event of GET /v1/runs/{run_id}/stream' });
export const RunStartedSchema = z
  .object({ run_id: z.string().uuid(), workflow_id: z.string(), status: z.literal('queued') })
  .openapi('RunStarted');

export const SpendSchema = z
  .object({
    today_usd: z.number().openapi({ description: 'since 00:00 UTC today' }),
    month_usd: z.number().openapi({ description: 'since the first of this month, UTC' }),
  })
  .openapi('Spend', { description: 'what Claude cost: every model response of all its runs' });
export const GenieWithRunsSchema = GenieSchema.extend({
  spend: SpendSchema,
  recent_runs: z.array(RunSchema),
  next_run_times: z.array(timestamp).nullable().optional().openapi({ description: 'scheduled genies: next 5' }),
  schedule_status: z.enum(['active', 'paused', 'missing', 'unavailable']).optional(),
  schedule_stats: z
    .object({
      paused: z.boolean(),
      skipped_actions: z.number().int(),
      missed_actions: z.number().int(),
      recent_actions: z.number().int(),
    })
    .optional(),
}).openapi('GenieWithRecentRuns');
export const GenieSummarySchema = GenieSchema.extend({
  spend: SpendSchema,
  last_run: z
    .object({
      id: z.string().uuid(),
      status: z.enum(RUN_STATUSES),
      created_at: timestamp,
      finished_at: timestamp.nullable(),
    })
    .nullable(),
}).openapi('GenieSummary');
export const GenieListSchema = list(GenieSummarySchema, 'GenieList');
/** A saved genie; `webhook_secret` only in the answer that first sets a `webhook_url`. */
export const GenieSavedSchema = GenieSchema.extend({
  webhook_secret: z
    .string()
    .regex(/^whsec_/)
    .optional()
    .openapi({ description: 'the webhook signing secret, shown this once' }),
}).openapi('GenieSaved');
export const WebhookSecretSchema = z
  .object({ id: z.string().uuid(), webhook_secret: z.string().regex(/^whsec_/) })
  .openapi('WebhookSecret', { description: 'the new signing secret, shown this once' });

export const DeletedSchema = z.object({ deleted: z.literal(true), id: z.string().uuid() }).openapi('Deleted');
export const CredentialListSchema = wholeList(CredentialSchema, 'CredentialList');
export const CredentialDeletedSchema = DeletedSchema.extend({
  removed_from_genies: z.array(z.string().uuid()).optional(),
}).openapi('CredentialDeleted');
export const CredentialTestSchema = z
  .object({
    ok: z.boolean(),
    status: z.number().int().optional(),
    latency_ms: z.number().int().optional(),
    error: z.string().optional(),
    expires_at: z.string().nullable().optional().openapi({
      description: 'oauth2: when the access token the test just got expires (null: the token endpoint did not say)',
    }),
  })
  .openapi('CredentialTestResult');

export const ModelListSchema = z
  .object({
    items: z.array(ModelPriceSchema),
    server_tools: z.object({ web_search: z.object({ usd_per_search: z.number() }).optional() }),
    default_model: z.string().openapi({ description: 'the model of genies that name none (GENIE_MODEL)' }),
  })
  .openapi('ModelList', { description: 'the prices runs are costed by, USD per million tokens' });

export const AccountSchema = z
  .object({
    monthly_budget_usd: z.number().nullable().openapi({ description: 'USD per UTC month, all genies together' }),
    spend: SpendSchema,
  })
  .openapi('Account');

const EvalToolCallSchema = z.object({ tool: z.string(), input: z.unknown() });

export const EvalCaseSchema = z
  .object({
    run_id: z.string().uuid().openapi({ description: 'the past run this case replays' }),
    case_run_id: z.string().uuid().openapi({ description: 'the case’s own run (GET /v1/runs/{id}: every step)' }),
    status: z.enum(RUN_STATUSES),
    output: z.string().nullable(),
    baseline_output: z.string().nullable(),
    error: z.object({ type: z.string(), message: z.string() }).nullable(),
    tool_calls: z.array(
      EvalToolCallSchema.extend({
        source: z.enum(['recorded', 'live', 'refused']),
        is_error: z.boolean(),
      })
    ),
    baseline_tool_calls: z.array(EvalToolCallSchema),
    same_tool_sequence: z.boolean(),
    usage: UsageSchema,
    cost_usd: z.number().nullable().openapi({ description: 'the case’s model calls and its judge’s' }),
    baseline_cost_usd: z.number().nullable(),
    score: z.number().int().nullable().optional(),
    reason: z.string().nullable().optional(),
  })
  .openapi('EvalCase');

export const EvalSchema = z
  .object({
    id: z.string().uuid(),
    genie_id: z.string().uuid(),
    genie_version: z.number().int().openapi({ description: 'the genie’s version when the eval began' }),
    status: z.enum(EVAL_STATUSES),
    changes: z.record(z.string(), z.unknown()),
    rubric: z.string().nullable(),
    cases: z.array(EvalCaseSchema),
    summary: z.object({
      cases: z.number().int(),
      finished: z.number().int(),
      failed: z.number().int(),
      same_tool_sequence: z
        .number()
        .int()
        .openapi({ description: 'succeeded cases that called the same tools in the same order' }),
      mean_score: z.number().nullable(),
      cost_usd: z.number(),
      baseline_cost_usd: z.number(),
    }),
    error: z.string().nullable(),
    created_at: timestamp,
    finished_at: timestamp.nullable(),
    applied_at: timestamp.nullable(),
  })
  .openapi('Eval');

export const EvalSummarySchema = EvalSchema.omit({ cases: true }).openapi('EvalSummary');
export const EvalListSchema = list(EvalSummarySchema, 'EvalList');
export const EvalStartedSchema = z
  .object({ eval_id: z.string().uuid(), status: z.literal('running'), cases: z.number().int() })
  .openapi('EvalStarted');

export const McpServerInspectionSchema = z
  .object({
    server: z.object({ name: z.string(), version: z.string() }),
    protocol_version: z.string(),
    tools: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        read_only: z.boolean().openapi({ description: 'the server marks it readOnlyHint: true' }),
        input_schema: z.record(z.string(), z.unknown()),
      })
    ),
  })
  .openapi('McpServerInspection');

export const NotificationSchema = z
  .object({
    id: z.string().uuid(),
    genie_id: z.string().uuid().nullable(),
    run_id: z.string().uuid().nullable(),
    approval_id: z.string().uuid().nullable().openapi({ description: 'set when it asks for an approval' }),
    subject: z.string(),
    message: z.string(),
    priority: z.enum(['low', 'normal', 'high', 'urgent']),
    channel: z.enum(['dashboard', 'email', 'both']),
    email_status: z.enum(['pending', 'sent', 'skipped', 'failed']).nullable(),
    email_error: z.string().nullable(),
    read: z.boolean(),
    read_at: timestamp.nullable(),
    created_at: timestamp,
  })
  .openapi('Notification');
export const NotificationListSchema = list(NotificationSchema, 'NotificationList');

export const MemoryListSchema = wholeList(
  z
    .object({
      key: z.string(),
      value: z.unknown(),
      scope: z.enum(['genie', 'account']),
      updated_at: timestamp,
      expires_at: timestamp.nullable(),
      written_by_run_id: z.string().uuid().nullable(),
    })
    .openapi('MemoryEntry'),
  'MemoryList'
);

export const DataRowsSchema = z
  .object({
    rows: z.array(z.record(z.string(), z.unknown())),
    row_count: z.number().int(),
    truncated: z.boolean(),
    note: z.string().optional(),
  })
  .openapi('DataRows');
export const IngestedSchema = z
  .object({ inserted: z.number().int(), ids: z.array(z.string().uuid()) })
  .openapi('Ingested');

export const EventAcceptedSchema = z
  .object({ accepted: z.literal(true), duplicate: z.boolean(), event_id: z.string().uuid().optional() })
  .openapi('EventAccepted');
export const FanOutAcceptedSchema = z
  .object({
    accepted: z.literal(true),
    event_type: z.string(),
    delivered: z.array(
      z.object({ genie_id: z.string().uuid(), duplicate: z.boolean(), event_id: z.string().uuid().optional() })
    ),
  })
  .openapi('FanOutAccepted');

export const ApiKeySchema = z
  .object({
    id: z.string().uuid(),
    prefix: z.string(),
    name: z.string().nullable(),
    created_at: timestamp,
    last_used_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
  })
  .openapi('ApiKey');
export const ApiKeyListSchema = wholeList(ApiKeySchema, 'ApiKeyList');
export const ApiKeyCreatedSchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'the whole key, shown this once: hg_live_<secret>' }),
}).openapi('ApiKeyCreated');

export const HealthSchema = z
  .object({
    success: z.literal(true),
    data: z.object({
      status: z.literal('ok'),
      checks: z.object({ postgres: z.literal('ok'), temporal: z.literal('ok') }),
    }),
  })
  .openapi('Health');

const limits = z
  .object({
    min: z.number().optional(),
    max: z.number().optional(),
    max_length: z.number().int().optional(),
  })
  .openapi('FieldLimits');

export const CatalogueSchema = z
  .object({
    tools: z.array(z.object({ name: z.enum(TOOL_NAMES), summary: z.string() })),
    approval_gates: z
      .array(
        z.object({
          rule: z.string().openapi({ description: 'what approval_required takes' }),
          tool: z.enum(TOOL_NAMES),
          method: z.enum(WEB_FETCH_METHODS).nullable().openapi({ description: 'null: every call of the tool' }),
        })
      )
      .openapi({ description: 'every approval_required entry: web_fetch:<METHOD> for one method, or a tool name' }),
    webhook_events: z.array(z.enum(WEBHOOK_EVENTS)),
    schedule_overlap: z.array(z.object({ name: z.enum(OVERLAP_POLICIES), summary: z.string() })),
    mcp_approval: z
      .array(z.object({ name: z.enum(MCP_APPROVAL_POLICIES), summary: z.string() }))
      .openapi({ description: 'which calls of an MCP server’s tools wait for you' }),
    schedule_defaults: z.record(z.string(), z.unknown()).openapi({ description: 'what a schedule leaves out' }),
    genie_defaults: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'the value of each field a new genie leaves out (GenieCreate)' }),
    genie_limits: z
      .record(z.string(), limits)
      .openapi({ description: 'bounds of the genie fields that have them (numbers: min and max; text: max_length)' }),
    run_phases: z
      .array(z.object({ phase: z.enum(RUN_PHASES), label: z.string() }))
      .openapi({ description: 'what live.phase of a running run can be, and how to say it' }),
  })
  .openapi('Catalogue', { description: 'What this server offers, for forms and labels' });
