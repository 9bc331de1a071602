import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { DATA_TABLE_NAMES } from '../domain/data-tables';
import { RUN_STATUSES } from '../domain/runs';
import { CredentialSchema, StoreCredentialSchema } from '../domain/schemas/credential';
import { IngestRowsSchema } from '../domain/schemas/data';
import { GenieCreateSchema, GenieSchema, GenieUpdateSchema } from '../domain/schemas/genie';
import { z } from '../domain/schemas/zod';
import { ACTION_NAMES } from './actions';
import {
  ActionEnvelopeSchema,
  FanOutEventSchema,
  ListGeniesSchema,
  ListMemorySchema,
  ListNotificationsSchema,
  ListRunsSchema,
  RunRequestSchema,
  TestCredentialSchema,
  TriggerSchema,
} from './schemas';

const ErrorSchema = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: z.enum([
        'unauthorized',
        'forbidden',
        'not_found',
        'validation_error',
        'conflict',
        'payload_too_large',
        'rate_limited',
        'upstream_unavailable',
        'internal',
      ]),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

const RunSummarySchema = z
  .object({
    id: z.string().uuid(),
    genie_id: z.string().uuid(),
    workflow_id: z.string(),
    temporal_ui_url: z.string(),
    trigger_type: z.string(),
    status: z.enum(RUN_STATUSES),
    input: z.unknown(),
    output: z.string().nullable(),
    error: z.object({ type: z.string(), message: z.string() }).nullable(),
    turns: z.number().int(),
    usage: z.object({
      input_tokens: z.number().int(),
      output_tokens: z.number().int(),
      cache_read_input_tokens: z.number().int(),
      cache_creation_input_tokens: z.number().int(),
    }),
    scheduled_at: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
  })
  .openapi('Run');

const ok = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });
const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const errors = {
  400: { description: 'validation_error: details name each bad field', content: json(ErrorSchema) },
  401: { description: 'unauthorized: missing, invalid or revoked API key', content: json(ErrorSchema) },
  404: { description: 'not_found (also for another user’s ids)', content: json(ErrorSchema) },
  413: { description: 'payload_too_large: JSON body over 1 MiB', content: json(ErrorSchema) },
  503: { description: 'upstream_unavailable: Postgres or Temporal is down', content: json(ErrorSchema) },
};
const StepSchema = z
  .object({
    seq: z.number().int(),
    kind: z.enum(['model', 'tool']),
    turn: z.number().int(),
    tool: z.string().optional(),
    tool_use_id: z.string().optional(),
    input: z.unknown(),
    output_preview: z.string().nullable(),
    is_error: z.boolean(),
    usage: RunSummarySchema.shape.usage.optional(),
    started_at: z.string(),
    duration_ms: z.number().int().nullable(),
  })
  .openapi('RunStep');
const RunWithSteps = RunSummarySchema.extend({ steps: z.array(StepSchema) }).openapi('RunWithSteps');
const RunList = z.object({ items: z.array(RunSummarySchema), next_cursor: z.string().optional() }).openapi('RunList');
const RunStarted = z
  .object({ run_id: z.string().uuid(), workflow_id: z.string(), status: z.literal('queued') })
  .openapi('RunStarted');
const RunIdParam = z.object({ run_id: z.string().uuid() });
const GenieWithRuns = GenieSchema.extend({ recent_runs: z.array(RunSummarySchema) }).openapi('GenieWithRecentRuns');
const GenieList = z.object({ items: z.array(GenieSchema), next_cursor: z.string().optional() }).openapi('GenieList');
const IdParam = z.object({ id: z.string().uuid() });

function buildRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: hg_live_<secret> (create one with `npm run cli -- api-key create --email EMAIL`)',
  });
  const security = [{ [bearer.name]: [] }];

  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Health: 200 when Postgres and Temporal answer, 503 otherwise',
    responses: {
      200: { description: 'healthy' },
      503: { description: 'a dependency is down', content: json(ErrorSchema) },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/worker-genies',
    summary: 'List genies, newest first',
    security,
    request: { query: ListGeniesSchema },
    responses: { 200: { description: 'a page of genies', content: json(ok(GenieList)) }, ...errors },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/worker-genies',
    summary: 'Resource/action endpoint',
    description:
      `\`action\` chooses the operation: ${ACTION_NAMES.join(', ')}. No action creates a genie (fields as GenieCreate). ` +
      `Fields may sit at the top level or under \`data\` (data wins). \`update\` takes \`id\` and a GenieUpdate; ` +
      `\`get\` and \`delete\` take \`id\`; \`list\`/\`all\` take ListGeniesQuery fields; ` +
      `\`run\` takes \`id\` and RunRequest (202, RunStarted); \`runs\` takes an optional \`id\` and ListRunsQuery; ` +
      `\`get-run\` and \`cancel-run\` take \`run_id\` (RunWithSteps); \`memory\` takes \`id\` and ListMemoryQuery; ` +
      `\`store-credential\` takes StoreCredential; \`list-credentials\`; \`delete-credential\` takes \`id\` or \`name\`; ` +
      `\`test-credential\` takes TestCredential and answers {ok, status?, latency_ms?, error?}. ` +
      `\`trigger\` takes \`id\` and TriggerEvent (202, {accepted, duplicate}).`,
    security,
    request: {
      body: {
        content: json(
          z.union([ActionEnvelopeSchema, GenieCreateSchema, GenieUpdateSchema.extend({ id: z.string().uuid() })])
        ),
      },
    },
    responses: {
      200: { description: 'get/update/list/delete result', content: json(ok(z.unknown())) },
      201: { description: 'the created genie', content: json(ok(GenieSchema)) },
      409: { description: 'conflict', content: json(ErrorSchema) },
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/worker-genies/{id}',
    summary: 'Get a genie with its recent runs',
    security,
    request: { params: IdParam },
    responses: { 200: { description: 'the genie', content: json(ok(GenieWithRuns)) }, ...errors },
  });
  registry.registerPath({
    method: 'patch',
    path: '/v1/worker-genies/{id}',
    summary: 'Update a genie (same as action update)',
    security,
    request: { params: IdParam, body: { content: json(GenieUpdateSchema) } },
    responses: { 200: { description: 'the updated genie', content: json(ok(GenieSchema)) }, ...errors },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/worker-genies/{id}',
    summary: 'Delete a genie and its run history',
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'deleted', content: json(ok(z.object({ deleted: z.literal(true), id: z.string() }))) },
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/worker-genies/{id}/run',
    summary: 'Start a run (same as action run); it goes on in the background',
    security,
    request: { params: IdParam, body: { content: json(RunRequestSchema) } },
    responses: {
      202: { description: 'queued', content: json(ok(RunStarted)) },
      409: { description: 'conflict: the genie is disabled', content: json(ErrorSchema) },
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/worker-genies/{id}/runs',
    summary: 'A genie’s runs, newest first (same as action runs with id)',
    security,
    request: { params: IdParam, query: ListRunsSchema },
    responses: { 200: { description: 'a page of runs', content: json(ok(RunList)) }, ...errors },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/runs/{run_id}',
    summary: 'A run with its steps (same as action get-run)',
    security,
    request: { params: RunIdParam },
    responses: { 200: { description: 'the run', content: json(ok(RunWithSteps)) }, ...errors },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/runs/{run_id}/cancel',
    summary: 'Cancel a run and wait briefly for it to stop (same as action cancel-run)',
    security,
    request: { params: RunIdParam },
    responses: {
      200: { description: 'the run, status cancelled once the workflow confirms', content: json(ok(RunWithSteps)) },
      409: { description: 'conflict: the run already ended', content: json(ErrorSchema) },
      ...errors,
    },
  });
  registry.register('ListMemoryQuery', ListMemorySchema);
  registry.register('TestCredential', TestCredentialSchema);
  const CredentialList = z.object({ items: z.array(CredentialSchema) }).openapi('CredentialList');
  registry.registerPath({
    method: 'get',
    path: '/v1/credentials',
    summary: 'List credentials (never a value; same as action list-credentials)',
    security,
    responses: { 200: { description: 'credentials', content: json(ok(CredentialList)) }, ...errors },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/credentials',
    summary: 'Store a credential, encrypted at rest (same as action store-credential)',
    security,
    request: { body: { content: json(StoreCredentialSchema) } },
    responses: {
      201: { description: 'stored (200 when replaced)', content: json(ok(CredentialSchema)) },
      409: { description: 'conflict: the name exists and replace is not set', content: json(ErrorSchema) },
      ...errors,
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/credentials/{id}',
    summary: 'Delete a credential by id or name (same as action delete-credential)',
    security,
    request: { params: z.object({ id: z.string() }) },
    responses: {
      200: { description: 'deleted', content: json(ok(z.object({ deleted: z.literal(true), id: z.string() }))) },
      ...errors,
    },
  });
  const TableParam = z.object({ table: z.enum(DATA_TABLE_NAMES) });
  registry.registerPath({
    method: 'get',
    path: '/v1/data/{table}',
    summary:
      'Read business rows; filters as query_data: ?column=op.value (eq neq gt gte lt lte in contains is_null), limit, offset, order=column.desc, columns=a,b, count_only=true',
    security,
    request: { params: TableParam },
    responses: {
      200: {
        description: '{rows, row_count, truncated}',
        content: json(
          ok(
            z.object({
              rows: z.array(z.record(z.string(), z.unknown())),
              row_count: z.number().int(),
              truncated: z.boolean(),
            })
          )
        ),
      },
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/data/{table}',
    summary: 'Ingest up to 1000 rows, all or nothing; each bad row reported',
    security,
    request: { params: TableParam, body: { content: json(IngestRowsSchema) } },
    responses: {
      201: {
        description: 'inserted',
        content: json(ok(z.object({ inserted: z.number().int(), ids: z.array(z.string()) }))),
      },
      409: { description: 'conflict: an id exists', content: json(ErrorSchema) },
      ...errors,
    },
  });
  const NotificationSchema = z
    .object({
      id: z.string().uuid(),
      genie_id: z.string().nullable(),
      run_id: z.string().nullable(),
      subject: z.string(),
      message: z.string(),
      priority: z.enum(['low', 'normal', 'high', 'urgent']),
      channel: z.enum(['dashboard', 'email', 'both']),
      email_status: z.enum(['pending', 'sent', 'skipped', 'failed']).nullable(),
      email_error: z.string().nullable(),
      read: z.boolean(),
      read_at: z.string().nullable(),
      created_at: z.string(),
    })
    .openapi('Notification');
  registry.registerPath({
    method: 'get',
    path: '/v1/notifications',
    summary: 'Notifications from genies, newest first',
    security,
    request: { query: ListNotificationsSchema },
    responses: {
      200: {
        description: 'a page',
        content: json(ok(z.object({ items: z.array(NotificationSchema), next_cursor: z.string().optional() }))),
      },
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/notifications/{id}/read',
    summary: 'Mark a notification read',
    security,
    request: { params: IdParam },
    responses: { 200: { description: 'the notification', content: json(ok(NotificationSchema)) }, ...errors },
  });
  const Accepted = z.object({ accepted: z.literal(true), duplicate: z.boolean(), event_id: z.string().optional() });
  registry.registerPath({
    method: 'post',
    path: '/v1/worker-genies/{id}/events',
    summary: 'Send an event to an event-triggered genie (same as action trigger)',
    security,
    request: { params: IdParam, body: { content: json(TriggerSchema) } },
    responses: {
      202: { description: 'accepted (duplicate: true when the idempotency key was seen)', content: json(ok(Accepted)) },
      409: { description: 'conflict: the genie is disabled or not event-triggered', content: json(ErrorSchema) },
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/events',
    summary: 'Send an event to every enabled genie of yours whose event_types contain its type',
    security,
    request: { body: { content: json(FanOutEventSchema) } },
    responses: {
      202: {
        description: 'accepted',
        content: json(
          ok(
            z.object({
              accepted: z.literal(true),
              event_type: z.string(),
              delivered: z.array(Accepted.omit({ accepted: true }).extend({ genie_id: z.string() })),
            })
          )
        ),
      },
      ...errors,
    },
  });
  return registry;
}

let cachedDocument: unknown;

/** The OpenAPI 3.1 document of the API, generated from the zod schemas that validate requests. */
export function openApiDocument(): unknown {
  cachedDocument ??= new OpenApiGeneratorV31(buildRegistry().definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Worker Genies API',
      version: '0.1.0',
      description:
        'Autonomous background AI agents on Temporal and Claude. Envelope: {success, data} or {success, error}.',
    },
  });
  return cachedDocument;
}
