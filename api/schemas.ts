// Request schemas of the API: they validate requests and generate GET /v1/openapi.json. The genie,
// credential and data schemas they build on live in domain/schemas/.
import { CURSOR_PATTERN, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from '../db/pagination';
import { QUERY_LIMIT_MAX } from '../db/repositories/business-data';
import { DATA_TABLES, type DataTableName } from '../domain/data-tables';
import { APPROVAL_STATUSES } from '../domain/approvals';
import { RUN_STATUSES, TRIGGER_TYPES } from '../domain/runs';
import { WEB_FETCH_TIMEOUT_MAX_MS } from '../fetch/guarded-fetch';
import { CREDENTIAL_TYPE_RULES, CredentialNameSchema, definitionFields } from '../domain/schemas/credential';
import { crossFieldRules, NOT_BLANK_PATTERN, z } from '../domain/schemas/zod';

/** The resource every `/v1/worker-genies` action body may name. */
export const RESOURCE = 'worker-genies';

/** A boolean from a query string (`true`/`false`) or a JSON body (true/false). */
export const BooleanParam = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
  .openapi({ type: 'boolean' });

/** An integer from a query string (`?limit=20`) or a JSON body; an empty value is not 0. */
const intParam = (min: number, max: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/, 'must be an integer')
        .transform(Number),
    ])
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: 'integer', minimum: min, maximum: max });

const limit = (fallback = PAGE_LIMIT_DEFAULT, max = PAGE_LIMIT_MAX) => intParam(1, max).default(fallback);
const cursor = z
  .string()
  .regex(CURSOR_PATTERN, 'not a cursor from this API')
  .optional()
  .openapi({ description: 'next_cursor of the previous page' });

export const ActionEnvelopeSchema = z
  .object({
    resource: z.literal(RESOURCE).optional().openapi({ description: 'when present, must be "worker-genies"' }),
    action: z.string().min(1).optional().openapi({ description: 'the operation; no action creates a genie' }),
    id: z.string().optional(),
    data: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'the fields; they may also sit at the top level, and win over it' }),
  })
  .passthrough()
  .openapi('ActionRequest');

export const ListGeniesSchema = z
  .object({
    limit: limit(),
    cursor,
    trigger_type: z.enum(TRIGGER_TYPES).optional(),
    enabled: BooleanParam.optional(),
  })
  .strict()
  .openapi('ListGeniesQuery');

export const RunRequestSchema = z
  .object({
    // Any JSON (the body was parsed from JSON); becomes the run's first user message.
    input: z.unknown().optional().openapi({ description: 'text or JSON; becomes the first user message' }),
  })
  .strict()
  .openapi('RunRequest');

export const ListRunsSchema = z
  .object({ limit: limit(), cursor, status: z.enum(RUN_STATUSES).optional() })
  .strict()
  .openapi('ListRunsQuery');

export const ListEvalsSchema = z.object({ limit: limit(), cursor }).strict().openapi('ListEvalsQuery');

export const ListMemorySchema = z
  .object({
    scope: z.enum(['genie', 'account']).optional().openapi({ description: 'default: both' }),
    prefix: z.string().max(256).optional(),
    limit: limit(100, 500),
  })
  .strict()
  .openapi('ListMemoryQuery');

export const ListApprovalsSchema = z
  .object({ status: z.enum(APPROVAL_STATUSES).optional(), limit: limit(), cursor })
  .strict()
  .openapi('ListApprovalsQuery');

/** The body of approve / deny: an optional note the model is told (on a denial) and the record keeps. */
export const DecisionSchema = z
  .object({ note: z.string().max(2000).nullable().optional() })
  .strict()
  .openapi('ApprovalDecision');

export const ListNotificationsSchema = z
  .object({ unread: BooleanParam.optional(), limit: limit(), cursor })
  .strict()
  .openapi('ListNotificationsQuery');

export const TestCredentialSchema = z
  .object({
    name: CredentialNameSchema.optional().openapi({
      description: 'a stored credential; or give a new one (an oauth2 one is tested once stored, by name)',
    }),
    credential_type: definitionFields.credential_type.optional(),
    value: definitionFields.value.optional(),
    header_name: definitionFields.header_name,
    query_param: definitionFields.query_param,
    allowed_hosts: definitionFields.allowed_hosts.optional(),
    token_url: definitionFields.token_url,
    client_id: definitionFields.client_id,
    client_secret: definitionFields.client_secret,
    refresh_token: definitionFields.refresh_token,
    scope: definitionFields.scope,
    url: z.url().max(8192).optional().openapi({ description: 'make a real request with it' }),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    timeout_ms: z.number().int().min(1).max(WEB_FETCH_TIMEOUT_MAX_MS).default(10_000),
  })
  .strict()
  .openapi(
    'TestCredential',
    crossFieldRules([
      // A stored credential by name, or a new definition (then its type and value are needed).
      { if: { not: { required: ['name'] } }, then: { required: ['credential_type', 'value'] } },
      ...CREDENTIAL_TYPE_RULES,
    ])
  );

export const DeleteCredentialSchema = z
  .object({
    id: z.string().min(1).optional(),
    name: CredentialNameSchema.optional(),
    force: BooleanParam.default(false).openapi({
      description: 'delete even while genies name it, removing it from their credential_refs',
    }),
  })
  .strict()
  .refine((ref) => (ref.id === undefined) !== (ref.name === undefined), {
    message: 'give id or name',
    path: ['id'],
  })
  .openapi({
    oneOf: [
      { required: ['id'], not: { required: ['name'] } },
      { required: ['name'], not: { required: ['id'] } },
    ],
  });

const eventType = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:\-/]+$/, 'letters, digits and _ . : - / only');
const idempotencyKey = z.string().min(1).max(200);

export const TriggerSchema = z
  .object({
    payload: z
      .unknown()
      .optional()
      .openapi({ description: 'JSON, up to 256 KiB; reaches the model in the first message' }),
    event_type: eventType.optional().openapi({ description: 'default "manual"' }),
    idempotency_key: idempotencyKey.optional().openapi({ description: 'a repeat is accepted as a duplicate' }),
  })
  .strict()
  .openapi('TriggerEvent');

export const FanOutEventSchema = z
  .object({ event_type: eventType, payload: z.unknown().optional(), idempotency_key: idempotencyKey.optional() })
  .strict()
  .openapi('Event');

export const CreateApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional().openapi({ example: 'ci pipeline', pattern: NOT_BLANK_PATTERN }),
  })
  .strict()
  .openapi('CreateApiKey');

/** Query parameters of GET /v1/data/{table} besides the filters (`?column=op.value`). */
export function dataReadQuerySchema(table: DataTableName) {
  const columns = Object.keys(DATA_TABLES[table]);
  const orderable = columns.filter((c) => DATA_TABLES[table][c]!.type !== 'json');
  const names = (list: string[]) => `(?:${list.join('|')})`;
  return z
    .object({
      limit: intParam(1, QUERY_LIMIT_MAX).optional(),
      offset: intParam(0, 100_000).optional(),
      order: z
        .string()
        .regex(new RegExp(`^${names(orderable)}(?:\\.(?:asc|desc))?$`), `column[.asc|.desc] of ${orderable.join(', ')}`)
        .optional()
        .openapi({ description: 'column[.asc|.desc]' }),
      columns: z
        .string()
        .regex(
          new RegExp(`^${names(columns)}(?:,${names(columns)})*$`),
          `comma-separated columns of ${columns.join(', ')}`
        )
        .optional()
        .openapi({ description: 'comma-separated columns to return' }),
      count_only: BooleanParam.optional(),
    })
    .strict()
    .openapi({ description: 'Filters: any column as ?column=op.value' });
}

/** The query parameters of GET /v1/data/{table} that are not filters. */
export const DATA_READ_PARAMS = ['limit', 'offset', 'order', 'columns', 'count_only'];
