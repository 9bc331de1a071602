import { Router, type Request, type Response } from 'express';
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from '../../lib/pagination';
import { RUN_STATUSES } from '../../db/repositories/runs';
import { GenieCreateSchema, GenieUpdateSchema, TRIGGER_TYPES } from '../../lib/schemas/genie';
import { z } from '../../lib/schemas/zod';
import { parseActionBody, without } from '../actions';
import { sendData } from '../envelope';
import { ValidationError } from '../errors';
import { ownerOf } from '../middleware/auth';
import { CREDENTIAL_TYPES } from '../../lib/credentials';
import { WEB_FETCH_TIMEOUT_MAX_MS } from '../../lib/fetch/guarded-fetch';
import { CredentialDefinitionSchema, CredentialNameSchema, StoreCredentialSchema } from '../../lib/schemas/credential';
import type { CredentialService } from '../services/credentials';
import type { EventService } from '../services/events';
import type { GenieService } from '../services/genies';
import type { MemoryService } from '../services/memory';
import type { RunService } from '../services/runs';
import { parseOrThrow, requireId } from '../validation';

export const ListGeniesSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT),
    cursor: z.string().min(1).optional(),
    trigger_type: z.enum(TRIGGER_TYPES).optional(),
    enabled: z
      .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
      .optional()
      .openapi({ type: 'boolean' }),
  })
  .openapi('ListGeniesQuery');

export const RunRequestSchema = z
  .object({
    // Any JSON (the body was parsed from JSON); becomes the run's first user message.
    input: z.unknown().optional().openapi({ description: 'text or JSON; becomes the first user message' }),
  })
  .strict()
  .openapi('RunRequest');

export const ListRunsSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT),
    cursor: z.string().min(1).optional(),
    status: z.enum(RUN_STATUSES).optional(),
  })
  .openapi('ListRunsQuery');

export const ListMemorySchema = z
  .object({
    scope: z.enum(['genie', 'account']).optional().openapi({ description: 'default: both' }),
    prefix: z.string().max(256).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .openapi('ListMemoryQuery');

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

const eventType = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:\-/]+$/, 'letters, digits and _ . : - / only');

export const TriggerSchema = z
  .object({
    payload: z
      .unknown()
      .optional()
      .openapi({ description: 'JSON, up to 256 KiB; reaches the model in the first message' }),
    event_type: eventType.optional().openapi({ description: 'default "manual"' }),
    idempotency_key: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'a repeat is accepted as a duplicate' }),
  })
  .strict()
  .openapi('TriggerEvent');

export const FanOutEventSchema = z
  .object({
    event_type: eventType,
    payload: z.unknown().optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .strict()
  .openapi('Event');

export interface Services {
  genies: GenieService;
  runs: RunService;
  memory: MemoryService;
  credentials: CredentialService;
  events: EventService;
}

interface ActionContext {
  ownerId: string;
  fields: Record<string, unknown>;
  services: Services;
}

interface ActionResult {
  status?: number;
  data: unknown;
}

type ActionHandler = (ctx: ActionContext) => Promise<ActionResult>;

const genieId = (fields: Record<string, unknown>) => requireId(fields.id, 'id', 'Genie');
const runId = (fields: Record<string, unknown>) => requireId(fields.run_id, 'run_id', 'Run');

const listGenies: ActionHandler = async ({ ownerId, fields, services }) => {
  const query = parseOrThrow(ListGeniesSchema, without(fields, 'id'), 'List request');
  return {
    data: await services.genies.list(ownerId, {
      limit: query.limit,
      cursor: query.cursor,
      triggerType: query.trigger_type,
      enabled: query.enabled,
    }),
  };
};

/** The implemented actions of POST /v1/worker-genies (CONTRACT.md §3). */
const ACTIONS: Record<string, ActionHandler> = {
  list: listGenies,
  all: listGenies,
  get: async ({ ownerId, fields, services }) => ({ data: await services.genies.get(ownerId, genieId(fields)) }),
  create: async ({ ownerId, fields, services }) => ({
    status: 201,
    data: await services.genies.create(ownerId, parseOrThrow(GenieCreateSchema, fields, 'Genie')),
  }),
  update: async ({ ownerId, fields, services }) => {
    const id = genieId(fields);
    const patch = parseOrThrow(GenieUpdateSchema, without(fields, 'id'), 'Genie update');
    return { data: await services.genies.update(ownerId, id, patch) };
  },
  delete: async ({ ownerId, fields, services }) => ({ data: await services.genies.delete(ownerId, genieId(fields)) }),
  run: async ({ ownerId, fields, services }) => {
    const id = genieId(fields);
    const { input } = parseOrThrow(RunRequestSchema, without(fields, 'id'), 'Run request');
    return { status: 202, data: await services.runs.start(ownerId, id, input ?? null) };
  },
  runs: async ({ ownerId, fields, services }) => {
    const id = fields.id === undefined ? undefined : genieId(fields);
    const query = parseOrThrow(ListRunsSchema, without(fields, 'id'), 'Runs request');
    return { data: await services.runs.list(ownerId, { ...query, genieId: id }) };
  },
  'get-run': async ({ ownerId, fields, services }) => ({ data: await services.runs.get(ownerId, runId(fields)) }),
  'cancel-run': async ({ ownerId, fields, services }) => ({ data: await services.runs.cancel(ownerId, runId(fields)) }),
  'store-credential': async ({ ownerId, fields, services }) =>
    services.credentials.store(ownerId, parseOrThrow(StoreCredentialSchema, fields, 'Credential')),
  'list-credentials': async ({ ownerId, services }) => ({ data: await services.credentials.list(ownerId) }),
  'delete-credential': async ({ ownerId, fields, services }) => {
    if (fields.id !== undefined) {
      return { data: await services.credentials.delete(ownerId, { id: requireId(fields.id, 'id', 'Credential') }) };
    }
    const { name } = parseOrThrow(z.object({ name: CredentialNameSchema }), fields, 'Delete request');
    return { data: await services.credentials.delete(ownerId, { name }) };
  },
  'test-credential': async ({ ownerId, fields, services }) => {
    const request = parseOrThrow(TestCredentialSchema, fields, 'Test request');
    const { name, url, method, timeout_ms, ...definition } = request;
    return {
      data: await services.credentials.test(ownerId, {
        name,
        definition: name === undefined ? parseOrThrow(CredentialDefinitionSchema, definition, 'Credential') : undefined,
        url,
        method,
        timeoutMs: timeout_ms,
      }),
    };
  },
  trigger: async ({ ownerId, fields, services }) => {
    const id = genieId(fields);
    const event = parseOrThrow(TriggerSchema, without(fields, 'id'), 'Event');
    return {
      status: 202,
      data: await services.events.send(ownerId, id, {
        eventType: event.event_type,
        payload: event.payload,
        idempotencyKey: event.idempotency_key,
      }),
    };
  },
  memory: async ({ ownerId, fields, services }) => {
    const id = genieId(fields);
    const query = parseOrThrow(ListMemorySchema, without(fields, 'id'), 'Memory request');
    return { data: await services.memory.list(ownerId, id, query) };
  },
};

export const ACTION_NAMES = Object.keys(ACTIONS);

async function dispatch(action: string, ctx: ActionContext): Promise<ActionResult> {
  const handler = ACTIONS[action];
  if (handler) return handler(ctx);
  throw new ValidationError(`Unknown action "${action}"; valid actions: ${ACTION_NAMES.join(', ')}`, [
    { field: 'action', message: `must be one of ${ACTION_NAMES.join(', ')}` },
  ]);
}

/** Runs `action` for the caller and answers in the envelope. */
async function answer(res: Response, services: Services, action: string, fields: Record<string, unknown>) {
  const result = await dispatch(action, { ownerId: ownerOf(res), fields, services });
  sendData(res, result.data, result.status);
}

/** Fields of a REST alias body (top level or under `data`, data wins). */
function bodyFields(req: Request): Record<string, unknown> {
  return parseActionBody(req.body ?? {}).fields;
}

/** `/v1/worker-genies`: the seed-style action endpoint and its REST aliases. */
export function workerGeniesRouter(services: Services): Router {
  const router = Router();
  router.get('/', (req, res) => answer(res, services, 'list', { ...req.query }));
  router.post('/', (req, res) => {
    const { action, fields } = parseActionBody(req.body);
    return answer(res, services, action, fields);
  });
  router.get('/:id', (req, res) => answer(res, services, 'get', { id: req.params.id }));
  router.patch('/:id', (req, res) => answer(res, services, 'update', { ...bodyFields(req), id: req.params.id }));
  router.delete('/:id', (req, res) => answer(res, services, 'delete', { id: req.params.id }));
  router.post('/:id/run', (req, res) => answer(res, services, 'run', { ...bodyFields(req), id: req.params.id }));
  router.get('/:id/runs', (req, res) => answer(res, services, 'runs', { ...req.query, id: req.params.id }));
  router.post('/:id/events', (req, res) => answer(res, services, 'trigger', { ...bodyFields(req), id: req.params.id }));
  return router;
}

/** `/v1/runs`: REST aliases of get-run and cancel-run. */
export function runsRouter(services: Services): Router {
  const router = Router();
  router.get('/:run_id', (req, res) => answer(res, services, 'get-run', { run_id: req.params.run_id }));
  router.post('/:run_id/cancel', (req, res) => answer(res, services, 'cancel-run', { run_id: req.params.run_id }));
  return router;
}

const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `/v1/credentials`: REST aliases of store-, list- and delete-credential. */
export function credentialsRouter(services: Services): Router {
  const router = Router();
  router.get('/', (_req, res) => answer(res, services, 'list-credentials', {}));
  router.post('/', (req, res) => answer(res, services, 'store-credential', bodyFields(req)));
  router.delete('/:ref', (req, res) =>
    answer(
      res,
      services,
      'delete-credential',
      UUID_LIKE.test(req.params.ref) ? { id: req.params.ref } : { name: req.params.ref }
    )
  );
  return router;
}

/** `POST /v1/events`: one event to every genie of the caller subscribed to its type. */
export function eventsRouter(services: Services): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    const event = parseOrThrow(FanOutEventSchema, bodyFields(req), 'Event');
    const data = await services.events.fanOut(ownerOf(res), {
      eventType: event.event_type,
      payload: event.payload,
      idempotencyKey: event.idempotency_key,
    });
    sendData(res, data, 202);
  });
  return router;
}
