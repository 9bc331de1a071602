// GET /v1/openapi.json: generated from the same zod schemas that validate requests, so the
// document cannot drift from what the API accepts.
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { DATA_TABLE_NAMES } from '../../domain/data-tables';
import { CredentialSchema, StoreCredentialSchema } from '../../domain/schemas/credential';
import { INGEST_MAX_ROWS, rowSchema } from '../../domain/schemas/data';
import { GenieCreateSchema, GenieUpdateSchema } from '../../domain/schemas/genie';
import { z } from '../../domain/schemas/zod';
import {
  BooleanParam,
  CreateApiKeySchema,
  dataReadQuerySchema,
  DeleteCredentialSchema,
  FanOutEventSchema,
  DecisionSchema,
  ListApprovalsSchema,
  ListGeniesSchema,
  ListMemorySchema,
  ListNotificationsSchema,
  ListRunsSchema,
  RESOURCE,
  RunRequestSchema,
  TestCredentialSchema,
  TriggerSchema,
} from '../schemas';
import * as R from './responses';

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const error = (description: string): ResponseConfig => ({ description, content: json(R.ErrorSchema) });

/** What an authenticated operation can answer besides its success. */
const STANDARD_ERRORS: Record<number, ResponseConfig> = {
  400: error(
    'validation_error: details name each bad field (also a malformed path, NUL characters, JSON deeper than 64 levels, unknown fields)'
  ),
  401: error('unauthorized: missing, invalid or revoked API key'),
  429: error('rate_limited: over the per-key limit, or too many failed authentications; see Retry-After'),
  503: error('upstream_unavailable: Postgres or Temporal is down'),
};

interface Operation {
  method: RouteConfig['method'];
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out. */
  bodyOptional?: boolean;
  success: Record<number, { description: string; schema?: z.ZodType; mediaType?: string }>;
  /** Further answers: 404, 409. */
  errors?: Record<number, string>;
  public?: boolean;
}

function registerOperation(registry: OpenAPIRegistry, security: Array<Record<string, string[]>>, op: Operation) {
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, { description, schema, mediaType }] of Object.entries(op.success)) {
    responses[Number(status)] = mediaType
      ? { description, content: { [mediaType]: { schema: schema ?? z.string() } } }
      : schema
        ? { description, content: json(schema) }
        : { description };
  }
  if (!op.public) Object.assign(responses, STANDARD_ERRORS);
  if (op.params) responses[404] = error('not_found (also for another user’s ids)');
  if (op.body) {
    responses[413] = error(`payload_too_large: JSON body over ${op.path.startsWith('/v1/data/') ? 16 : 1} MiB`);
  }
  for (const [status, description] of Object.entries(op.errors ?? {})) responses[Number(status)] = error(description);
  registry.registerPath({
    method: op.method,
    path: op.path,
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: op.description,
    security: op.public ? [] : security,
    request: {
      params: op.params,
      query: op.query,
      body: op.body ? { content: json(op.body), required: !op.bodyOptional } : undefined,
    },
    responses,
  });
}

const IdParam = z.object({ id: z.string().uuid() });
const CredentialRefParam = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/)
    .openapi({ description: 'the credential’s id, or its name' }),
});
const RunIdParam = z.object({ run_id: z.string().uuid() });
const uuid = z.string().uuid();

/** One action of POST /v1/worker-genies: `{action, id?|run_id?, data?}`, its fields under `data`. */
function actionBody(
  action: string,
  shape: { id?: boolean; runId?: boolean; data?: z.ZodType; dataRequired?: boolean }
) {
  return z
    .object({
      resource: z.literal(RESOURCE).optional(),
      action: z.literal(action),
      ...(shape.id ? { id: uuid } : {}),
      ...(shape.runId ? { run_id: uuid } : {}),
      ...(shape.data ? { data: shape.dataRequired ? shape.data : shape.data.optional() } : {}),
    })
    .strict();
}

const ActionBodySchema = z
  .union([
    GenieCreateSchema,
    z.object({ resource: z.literal(RESOURCE).optional(), data: GenieCreateSchema }).strict(),
    actionBody('create', { data: GenieCreateSchema, dataRequired: true }),
    actionBody('list', { data: ListGeniesSchema }),
    actionBody('all', { data: ListGeniesSchema }),
    actionBody('get', { id: true }),
    actionBody('update', { id: true, data: GenieUpdateSchema, dataRequired: true }),
    actionBody('delete', { id: true }),
    actionBody('run', { id: true, data: RunRequestSchema }),
    actionBody('runs', { data: ListRunsSchema }),
    actionBody('get-run', { runId: true }),
    actionBody('cancel-run', { runId: true }),
    actionBody('store-credential', { data: StoreCredentialSchema, dataRequired: true }),
    actionBody('list-credentials', {}),
    actionBody('delete-credential', { data: DeleteCredentialSchema, dataRequired: true }),
    actionBody('test-credential', { data: TestCredentialSchema, dataRequired: true }),
    actionBody('trigger', { id: true, data: TriggerSchema }),
    actionBody('memory', { id: true, data: ListMemorySchema }),
    actionBody('rotate-webhook-secret', { id: true }),
    actionBody('approvals', { data: ListApprovalsSchema }),
    z
      .object({
        resource: z.literal(RESOURCE).optional(),
        action: z.enum(['approve', 'deny']),
        approval_id: uuid,
        data: DecisionSchema.optional(),
      })
      .strict(),
  ])
  .openapi('ActionRequest', {
    description:
      'A genie to create (no `action`), or `{action, id?|run_id?, data?}`. Fields may also sit at the top level instead of under `data` (`data` wins).',
  });

function buildRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: hg_live_<secret> (create one with `npm run cli -- api-key create --email EMAIL`)',
  });
  const security = [{ [bearer.name]: [] }];
  const op = (operation: Operation) => registerOperation(registry, security, operation);

  op({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'Health',
    summary: 'Health: 200 when Postgres and Temporal answer, 503 otherwise',
    public: true,
    success: { 200: { description: 'healthy', schema: R.HealthSchema } },
    errors: { 503: 'upstream_unavailable: details say which dependency is down' },
  });
  op({
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'getOpenApi',
    tag: 'Health',
    summary: 'This document',
    public: true,
    success: { 200: { description: 'OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) } },
  });

  // Genies
  op({
    method: 'get',
    path: '/v1/worker-genies',
    operationId: 'listGenies',
    tag: 'Genies',
    summary: 'List genies, newest first',
    query: ListGeniesSchema,
    success: { 200: { description: 'a page of genies', schema: R.ok(R.GenieListSchema) } },
  });
  op({
    method: 'post',
    path: '/v1/worker-genies',
    operationId: 'workerGeniesAction',
    tag: 'Genies',
    summary: 'Resource/action endpoint: create a genie, or any action by name',
    description:
      'A body with no `action` creates a genie (GenieCreate). Otherwise `action` chooses the operation; ' +
      'each answers as its REST alias does. `run` and `trigger` answer 202 (`approve`/`deny` too when no worker can take the decision now); `create` and `store-credential` 201 ' +
      '(`store-credential` with `replace` 200). `run` honours an `Idempotency-Key` header.',
    body: ActionBodySchema,
    success: {
      200: { description: 'the action’s result', schema: R.ok(z.unknown()) },
      // Any JSON here: two kinds of resource share this answer, and clients (and fuzzers) must not
      // guess that one's id names the other; the REST aliases describe each exactly.
      201: {
        description: 'create: the genie (Genie); store-credential: the credential (Credential)',
        schema: R.ok(z.unknown()),
      },
      202: {
        description:
          'run: the queued run; trigger: the accepted event; approve/deny: the approval, queued for a worker',
        schema: R.ok(z.union([R.RunStartedSchema, R.EventAcceptedSchema, R.ApprovalSchema])),
      },
    },
    errors: {
      404: 'not_found: the genie, run or credential the action names',
      409: 'conflict: see the action’s REST alias',
    },
  });
  op({
    method: 'get',
    path: '/v1/worker-genies/{id}',
    operationId: 'getGenie',
    tag: 'Genies',
    summary: 'Get a genie with its recent runs (and next run times when scheduled)',
    params: IdParam,
    success: { 200: { description: 'the genie', schema: R.ok(R.GenieWithRunsSchema) } },
  });
  op({
    method: 'patch',
    path: '/v1/worker-genies/{id}',
    operationId: 'updateGenie',
    tag: 'Genies',
    summary: 'Update a genie; a changed schedule or trigger takes effect at once',
    params: IdParam,
    body: GenieUpdateSchema,
    success: { 200: { description: 'the updated genie', schema: R.ok(R.GenieSavedSchema) } },
    errors: { 409: 'conflict: the update does not fit the genie as it is (details name the fields)' },
  });
  op({
    method: 'delete',
    path: '/v1/worker-genies/{id}',
    operationId: 'deleteGenie',
    tag: 'Genies',
    summary: 'Delete a genie, its schedule, running runs, run history and memory',
    params: IdParam,
    success: { 200: { description: 'deleted', schema: R.ok(R.DeletedSchema) } },
  });
  op({
    method: 'post',
    path: '/v1/worker-genies/{id}/run',
    operationId: 'runGenie',
    tag: 'Runs',
    summary: 'Start a run; it goes on in the background',
    description:
      'With an `Idempotency-Key` header (1 to 255 characters), a repeat within 24 h answers the first run (header `Idempotent-Replayed: true`) and starts nothing; the same key with another genie or input is a 409.',
    params: IdParam,
    body: RunRequestSchema,
    bodyOptional: true,
    success: { 202: { description: 'queued', schema: R.ok(R.RunStartedSchema) } },
    errors: { 409: 'conflict: the genie is disabled, or the Idempotency-Key names another request' },
  });
  op({
    method: 'get',
    path: '/v1/worker-genies/{id}/runs',
    operationId: 'listGenieRuns',
    tag: 'Runs',
    summary: 'A genie’s runs, newest first',
    params: IdParam,
    query: ListRunsSchema,
    success: { 200: { description: 'a page of runs', schema: R.ok(R.RunListSchema) } },
  });
  op({
    method: 'post',
    path: '/v1/worker-genies/{id}/events',
    operationId: 'sendGenieEvent',
    tag: 'Events',
    summary: 'Send an event to an event-triggered genie',
    params: IdParam,
    body: TriggerSchema,
    bodyOptional: true,
    success: {
      202: { description: 'accepted (duplicate: true when the key was seen)', schema: R.ok(R.EventAcceptedSchema) },
    },
    errors: { 409: 'conflict: the genie is disabled or not event-triggered' },
  });
  op({
    method: 'get',
    path: '/v1/worker-genies/{id}/memory',
    operationId: 'listGenieMemory',
    tag: 'Genies',
    summary: 'What a genie remembers (its own memory and the account’s)',
    params: IdParam,
    query: ListMemorySchema,
    success: { 200: { description: 'memory entries', schema: R.ok(R.MemoryListSchema) } },
  });

  // Runs
  op({
    method: 'get',
    path: '/v1/runs',
    operationId: 'listRuns',
    tag: 'Runs',
    summary: 'All of your runs, newest first',
    query: ListRunsSchema,
    success: { 200: { description: 'a page of runs', schema: R.ok(R.RunListSchema) } },
  });
  op({
    method: 'get',
    path: '/v1/runs/{run_id}',
    operationId: 'getRun',
    tag: 'Runs',
    summary: 'A run with its steps',
    params: RunIdParam,
    success: { 200: { description: 'the run', schema: R.ok(R.RunWithStepsSchema) } },
  });
  op({
    method: 'get',
    path: '/v1/runs/{run_id}/stream',
    operationId: 'streamRun',
    tag: 'Runs',
    summary: 'Follow a run live (Server-Sent Events)',
    description:
      'Events: `status` (the run without steps; on connect and on every status change), `step` (every step in seq order, those saved earlier included; the SSE id is the seq, and `Last-Event-ID` resumes after it), `approval` (each approval when requested and when settled), `live` (what a running run is doing, retries included), and `end` (the final run), after which the stream closes. A comment line at least every 15 s keeps proxies from closing it. One API key may hold 20 streams open at once (the next answers 429); when the key is revoked its streams get an `error` event and close within 5 s.',
    params: RunIdParam,
    success: {
      200: { description: 'an event stream', mediaType: 'text/event-stream', schema: R.RunStreamEventSchema },
    },
  });
  op({
    method: 'post',
    path: '/v1/runs/{run_id}/cancel',
    operationId: 'cancelRun',
    tag: 'Runs',
    summary: 'Cancel a run and wait briefly for it to stop',
    params: RunIdParam,
    success: {
      200: { description: 'the run, cancelled once the workflow confirms', schema: R.ok(R.RunWithStepsSchema) },
    },
    errors: { 409: 'conflict: the run already ended' },
  });

  op({
    method: 'post',
    path: '/v1/worker-genies/{id}/rotate-webhook-secret',
    operationId: 'rotateWebhookSecret',
    tag: 'Genies',
    summary: 'Replace the genie’s webhook signing secret (the old one signs next to it for 24 hours)',
    params: IdParam,
    success: { 200: { description: 'the new secret, shown this once', schema: R.ok(R.WebhookSecretSchema) } },
    errors: { 409: 'conflict: the genie has no webhook_url' },
  });

  // Approvals
  op({
    method: 'get',
    path: '/v1/approvals',
    operationId: 'listApprovals',
    tag: 'Approvals',
    summary: 'Your approvals, newest first (?status=pending for those waiting)',
    query: ListApprovalsSchema,
    success: { 200: { description: 'a page of approvals', schema: R.ok(R.ApprovalListSchema) } },
  });
  op({
    method: 'get',
    path: '/v1/approvals/{id}',
    operationId: 'getApproval',
    tag: 'Approvals',
    summary: 'One approval',
    params: IdParam,
    success: { 200: { description: 'the approval', schema: R.ok(R.ApprovalSchema) } },
  });
  for (const verb of ['approve', 'deny'] as const) {
    op({
      method: 'post',
      path: `/v1/approvals/{id}/${verb}`,
      operationId: `${verb}Approval`,
      tag: 'Approvals',
      summary:
        verb === 'approve'
          ? 'Approve a pending call: it runs (once)'
          : 'Deny a pending call: the genie is told so, with your note',
      params: IdParam,
      body: DecisionSchema,
      bodyOptional: true,
      success: {
        200: { description: 'the approval as recorded', schema: R.ok(R.ApprovalSchema) },
        202: {
          description:
            'no worker could take the decision now: Temporal holds it and the run applies it when a worker is back (the approval is still pending)',
          schema: R.ok(R.ApprovalSchema),
        },
      },
      errors: { 409: 'conflict: already decided or expired, or the run no longer waits for it' },
    });
  }

  // Credentials
  op({
    method: 'get',
    path: '/v1/credentials',
    operationId: 'listCredentials',
    tag: 'Credentials',
    summary: 'List credentials (never a value)',
    success: { 200: { description: 'credentials', schema: R.ok(R.CredentialListSchema) } },
  });
  op({
    method: 'post',
    path: '/v1/credentials',
    operationId: 'storeCredential',
    tag: 'Credentials',
    summary: 'Store a credential, encrypted at rest',
    body: StoreCredentialSchema,
    success: {
      201: { description: 'stored', schema: R.ok(CredentialSchema) },
      200: { description: 'replaced (replace: true)', schema: R.ok(CredentialSchema) },
    },
    errors: { 409: 'conflict: the name exists and replace is not set' },
  });
  op({
    method: 'post',
    path: '/v1/credentials/{id}/test',
    operationId: 'testCredential',
    tag: 'Credentials',
    summary: 'Check that a stored credential decrypts, and with url make a real request with it',
    description: 'To test a credential before storing it, use the action test-credential with its definition.',
    params: CredentialRefParam,
    body: TestCredentialSchema.pick({ url: true, method: true, timeout_ms: true }).openapi('TestStoredCredential'),
    bodyOptional: true,
    success: { 200: { description: 'the result', schema: R.ok(R.CredentialTestSchema) } },
    errors: {
      400: 'validation_error: the url is not one of the credential’s allowed_hosts (or it has none)',
      404: 'not_found: no stored credential of that name',
    },
  });
  op({
    method: 'delete',
    path: '/v1/credentials/{id}',
    operationId: 'deleteCredential',
    tag: 'Credentials',
    summary: 'Delete a credential by id or name',
    params: CredentialRefParam,
    query: z.object({ force: BooleanParam.optional() }),
    success: { 200: { description: 'deleted', schema: R.ok(R.CredentialDeletedSchema) } },
    errors: { 409: 'conflict: genies still name it (details list them); force: true removes it from them' },
  });

  // Business data, one path per table so each documents its own rows and columns.
  for (const table of DATA_TABLE_NAMES) {
    op({
      method: 'get',
      path: `/v1/data/${table}`,
      operationId: `read_${table}`,
      tag: 'Data',
      summary: `Read ${table}; filters as query_data: ?column=op.value (eq neq gt gte lt lte in contains is_null)`,
      query: dataReadQuerySchema(table),
      success: { 200: { description: '{rows, row_count, truncated}', schema: R.ok(R.DataRowsSchema) } },
    });
    op({
      method: 'post',
      path: `/v1/data/${table}`,
      operationId: `ingest_${table}`,
      tag: 'Data',
      summary: `Add ${table} rows, up to ${INGEST_MAX_ROWS}, all or nothing; each bad row reported`,
      body: z
        .object({ rows: z.array(rowSchema(table)).min(1).max(INGEST_MAX_ROWS) })
        .strict()
        .openapi(`Ingest_${table}`),
      success: { 201: { description: 'inserted', schema: R.ok(R.IngestedSchema) } },
      errors: { 409: 'conflict: you already have a row with one of these ids' },
    });
  }

  // Notifications
  op({
    method: 'get',
    path: '/v1/notifications',
    operationId: 'listNotifications',
    tag: 'Notifications',
    summary: 'Notifications from genies, newest first',
    query: ListNotificationsSchema,
    success: { 200: { description: 'a page', schema: R.ok(R.NotificationListSchema) } },
  });
  op({
    method: 'post',
    path: '/v1/notifications/{id}/read',
    operationId: 'markNotificationRead',
    tag: 'Notifications',
    summary: 'Mark a notification read',
    params: IdParam,
    success: { 200: { description: 'the notification', schema: R.ok(R.NotificationSchema) } },
  });

  // Events
  op({
    method: 'post',
    path: '/v1/events',
    operationId: 'sendEvent',
    tag: 'Events',
    summary: 'Send an event to every enabled genie of yours whose event_types contain its type',
    body: FanOutEventSchema,
    success: { 202: { description: 'accepted', schema: R.ok(R.FanOutAcceptedSchema) } },
  });

  // API keys
  op({
    method: 'get',
    path: '/v1/api-keys',
    operationId: 'listApiKeys',
    tag: 'API keys',
    summary: 'Your API keys (never a secret)',
    success: { 200: { description: 'keys, newest first', schema: R.ok(R.ApiKeyListSchema) } },
  });
  op({
    method: 'post',
    path: '/v1/api-keys',
    operationId: 'createApiKey',
    tag: 'API keys',
    summary: 'Create an API key; the answer is the only place it is ever shown',
    body: CreateApiKeySchema,
    bodyOptional: true,
    success: { 201: { description: 'the new key', schema: R.ok(R.ApiKeyCreatedSchema) } },
    errors: { 409: 'conflict: you already hold 50 active keys; revoke one first' },
  });
  op({
    method: 'delete',
    path: '/v1/api-keys/{id}',
    operationId: 'revokeApiKey',
    tag: 'API keys',
    summary: 'Revoke an API key: its next request answers 401',
    params: IdParam,
    success: { 200: { description: 'the revoked key', schema: R.ok(R.ApiKeySchema) } },
  });
  return registry;
}

/** Strings the API takes hold no NUL (Postgres cannot store U+0000): every string says so. */
const NO_NUL = '^[^\\u0000]*$';
const JSON_REF = { $ref: '#/components/schemas/Json' };
type Schema = Record<string, unknown>;
const ANNOTATIONS = new Set(['description', 'example', 'examples', 'default', 'title']);

/** Any JSON value, with no NUL in any string or key (what `unknown` fields accept). */
const JSON_SCHEMA: Schema = {
  description: 'Any JSON value; no string or key may hold the NUL character (U+0000).',
  anyOf: [
    { type: 'string', pattern: NO_NUL },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    { type: 'array', items: JSON_REF },
    { type: 'object', propertyNames: { pattern: NO_NUL }, additionalProperties: JSON_REF },
  ],
};

/** Walks a schema (in place), saying of every free-form string, key and value that it holds no NUL. */
function refuseNul(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(refuseNul);
  if (!schema || typeof schema !== 'object') return schema;
  const node = schema as Schema;
  if (Object.keys(node).every((key) => ANNOTATIONS.has(key))) return { ...node, ...JSON_REF };
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('string') && !node.pattern && !node.format && !node.enum && node.const === undefined) {
    node.pattern = NO_NUL;
  }
  if (
    types.includes('object') &&
    node.additionalProperties !== undefined &&
    node.additionalProperties !== false &&
    !node.propertyNames
  ) {
    node.propertyNames = { pattern: NO_NUL };
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' || key === 'patternProperties') {
      for (const [name, property] of Object.entries(value as Schema)) (value as Schema)[name] = refuseNul(property);
    } else if (['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'schema'].includes(key)) {
      node[key] = value === true ? JSON_REF : refuseNul(value);
    } else if (['anyOf', 'oneOf', 'allOf'].includes(key)) {
      node[key] = refuseNul(value);
    }
  }
  return node;
}

/** The document's schemas and parameters, NUL refused everywhere (see refuseNul). */
function withoutNul<T extends { components?: { schemas?: Schema }; paths?: Schema }>(document: T): T {
  const schemas = document.components?.schemas ?? {};
  for (const [name, schema] of Object.entries(schemas)) schemas[name] = refuseNul(schema);
  schemas.Json = JSON_SCHEMA;
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations as Record<string, Schema>)) {
      for (const parameter of (operation.parameters as Schema[] | undefined) ?? []) refuseNul(parameter.schema);
      const body = (operation.requestBody as { content?: Record<string, Schema> } | undefined)?.content;
      for (const media of Object.values(body ?? {})) media.schema = refuseNul(media.schema);
    }
  }
  return document;
}

let cachedDocument: unknown;

/** The OpenAPI 3.1 document of the API, generated from the zod schemas that validate requests. */
export function openApiDocument(): unknown {
  cachedDocument ??= withoutNul(
    new OpenApiGeneratorV31(buildRegistry().definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'Worker Genies API',
        version: '0.2.0',
        description:
          'Autonomous background AI agents on Temporal and Claude. Envelope: {success, data} or {success, error}.',
      },
      servers: [{ url: '/', description: 'this server' }],
      tags: [
        { name: 'Genies' },
        { name: 'Runs' },
        { name: 'Events' },
        { name: 'Credentials' },
        { name: 'Data' },
        { name: 'Notifications' },
        { name: 'API keys' },
        { name: 'Health' },
      ],
    })
  );
  return cachedDocument;
}
