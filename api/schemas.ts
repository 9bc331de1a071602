// Request schemas of the API: they validate requests and generate GET /v1/openapi.json. The genie,
// credential and data schemas they build on live in domain/schemas/.
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from '../db/pagination';
import { RUN_STATUSES, TRIGGER_TYPES } from '../domain/runs';
import { CREDENTIAL_TYPES } from '../domain/credentials';
import { WEB_FETCH_TIMEOUT_MAX_MS } from '../fetch/guarded-fetch';
import { CredentialNameSchema } from '../domain/schemas/credential';
import { z } from '../domain/schemas/zod';

/** The resource every `/v1/worker-genies` action body may name. */
export const RESOURCE = 'worker-genies';

/** A boolean from a query string (`true`/`false`) or a JSON body (true/false). */
export const BooleanParam = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
  .openapi({ type: 'boolean' });

const limit = (fallback = PAGE_LIMIT_DEFAULT, max = PAGE_LIMIT_MAX) =>
  z.coerce.number().int().min(1).max(max).default(fallback);
const cursor = z.string().min(1).optional();

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

export const ListMemorySchema = z
  .object({
    scope: z.enum(['genie', 'account']).optional().openapi({ description: 'default: both' }),
    prefix: z.string().max(256).optional(),
    limit: limit(100, 500),
  })
  .strict()
  .openapi('ListMemoryQuery');

export const ListNotificationsSchema = z
  .object({ unread: BooleanParam.optional(), limit: limit(), cursor })
  .strict()
  .openapi('ListNotificationsQuery');

export const TestCredentialSchema = z
  .object({
    name: CredentialNameSchema.optional().openapi({ description: 'a stored credential; or give a new one' }),
    credential_type: z.enum(CREDENTIAL_TYPES).optional(),
    value: z.string().optional(),
    header_name: z.string().optional(),
    query_param: z.string().optional(),
    allowed_hosts: z.array(z.string()).optional(),
    url: z.string().min(1).max(8192).optional().openapi({ description: 'make a real request with it' }),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    timeout_ms: z.number().int().min(1).max(WEB_FETCH_TIMEOUT_MAX_MS).default(10_000),
  })
  .strict()
  .openapi('TestCredential');

export const DeleteCredentialSchema = z
  .object({
    id: z.string().optional(),
    name: CredentialNameSchema.optional(),
    force: BooleanParam.default(false).openapi({
      description: 'delete even while genies name it, removing it from their credential_refs',
    }),
  })
  .strict()
  .refine((ref) => (ref.id === undefined) !== (ref.name === undefined), {
    message: 'give id or name',
    path: ['id'],
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
  .object({ name: z.string().trim().min(1).max(100).optional().openapi({ example: 'ci pipeline' }) })
  .strict()
  .openapi('CreateApiKey');
