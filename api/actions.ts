// The resource/action API: `POST /v1/worker-genies` with `{action, ...fields}`. Every REST alias
// answers through the same actions, so both forms validate and behave alike.
import type { Request, Response } from 'express';
import { CredentialDefinitionSchema, StoreCredentialSchema } from '../domain/schemas/credential';
import { GenieCreateSchema, GenieUpdateSchema } from '../domain/schemas/genie';
import { sendData } from './envelope';
import { ValidationError } from './errors';
import { ownerOf } from './middleware/auth';
import {
  ActionEnvelopeSchema,
  DeleteCredentialSchema,
  DecisionSchema,
  ListApprovalsSchema,
  ListGeniesSchema,
  ListMemorySchema,
  ListRunsSchema,
  RunRequestSchema,
  TestCredentialSchema,
  TriggerSchema,
} from './schemas';
import type { Services } from './services';
import { parseOrThrow, requireId } from './validation';

export interface ParsedAction {
  action: string;
  /** Top-level fields merged with `data` (data wins), without `resource`/`action`/`data`. */
  fields: Record<string, unknown>;
}

/** Reads `resource`, `action` and the merged fields of a POST body. */
export function parseActionBody(body: unknown): ParsedAction {
  if (body === undefined || body === null) body = {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('Request body must be a JSON object', [
      { field: '(body)', message: 'must be an object' },
    ]);
  }
  const envelope = parseOrThrow(ActionEnvelopeSchema, body);
  const { resource: _resource, action, data, ...topLevel } = envelope;
  return { action: action ?? 'create', fields: { ...topLevel, ...(data ?? {}) } };
}

/** Fields of a REST alias body (top level or under `data`, data wins). */
export function bodyFields(req: Request): Record<string, unknown> {
  return parseActionBody(req.body ?? {}).fields;
}

/** `fields` without the named keys (e.g. `id` before validating an update patch). */
export function without(fields: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  const rest = { ...fields };
  for (const key of keys) delete rest[key];
  return rest;
}

interface ActionContext {
  ownerId: string;
  fields: Record<string, unknown>;
  services: Services;
  /** The request's `Idempotency-Key` header, when given. */
  idempotencyKey?: string;
}

/** What an action answers: its data, the status when it is not 200, and headers (the action decides). */
interface ActionResult {
  status?: number;
  data: unknown;
  headers?: Record<string, string>;
}

type ActionHandler = (ctx: ActionContext) => Promise<ActionResult>;

const genieId = (fields: Record<string, unknown>) => requireId(fields.id, 'id', 'Genie');
const runId = (fields: Record<string, unknown>) => requireId(fields.run_id, 'run_id', 'Run');
const approvalId = (fields: Record<string, unknown>) => requireId(fields.approval_id, 'approval_id', 'Approval');

/** approve / deny: a pending approval of the caller's, with an optional note. */
const decide =
  (decision: 'approved' | 'denied'): ActionHandler =>
  async ({ ownerId, fields, services }) => {
    const id = approvalId(fields);
    const { note } = parseOrThrow(DecisionSchema, without(fields, 'approval_id'), 'Decision');
    const approval = await services.approvals.decide(ownerId, id, decision, note ?? null);
    // Still pending: no worker could take it now; Temporal holds it for the run (202 Accepted).
    return { status: approval.status === 'pending' ? 202 : 200, data: approval };
  };

/** Refuses fields an action does not take (a typo must never pass silently), naming each. */
function allowOnly(fields: Record<string, unknown>, ...allowed: string[]): void {
  const unknown = Object.keys(fields).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      `Unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      unknown.map((field) => ({ field, message: 'unknown field' }))
    );
  }
}

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

/** The actions of POST /v1/worker-genies, by name. */
const ACTIONS = new Map<string, ActionHandler>([
  ['list', listGenies],
  ['all', listGenies],
  [
    'get',
    async ({ ownerId, fields, services }) => {
      allowOnly(fields, 'id');
      return { data: await services.genies.get(ownerId, genieId(fields)) };
    },
  ],
  [
    'create',
    async ({ ownerId, fields, services }) => ({
      status: 201,
      data: await services.genies.create(ownerId, parseOrThrow(GenieCreateSchema, fields, 'Genie')),
    }),
  ],
  [
    'update',
    async ({ ownerId, fields, services }) => {
      const id = genieId(fields);
      const patch = parseOrThrow(GenieUpdateSchema, without(fields, 'id'), 'Genie update');
      return { data: await services.genies.update(ownerId, id, patch) };
    },
  ],
  [
    'delete',
    async ({ ownerId, fields, services }) => {
      allowOnly(fields, 'id');
      return { data: await services.genies.delete(ownerId, genieId(fields)) };
    },
  ],
  [
    'run',
    async ({ ownerId, fields, services, idempotencyKey }) => {
      const id = genieId(fields);
      const { input } = parseOrThrow(RunRequestSchema, without(fields, 'id'), 'Run request');
      const { replayed, ...started } = await services.runs.start(ownerId, id, input ?? null, { idempotencyKey });
      return { status: 202, data: started, headers: replayed ? { 'Idempotent-Replayed': 'true' } : undefined };
    },
  ],
  [
    'runs',
    async ({ ownerId, fields, services }) => {
      const id = fields.id === undefined ? undefined : genieId(fields);
      const query = parseOrThrow(ListRunsSchema, without(fields, 'id'), 'Runs request');
      return { data: await services.runs.list(ownerId, { ...query, genieId: id }) };
    },
  ],
  [
    'get-run',
    async ({ ownerId, fields, services }) => {
      allowOnly(fields, 'run_id');
      return { data: await services.runs.get(ownerId, runId(fields)) };
    },
  ],
  [
    'cancel-run',
    async ({ ownerId, fields, services }) => {
      allowOnly(fields, 'run_id');
      return { data: await services.runs.cancel(ownerId, runId(fields)) };
    },
  ],
  [
    'store-credential',
    async ({ ownerId, fields, services }) => {
      const stored = await services.credentials.store(
        ownerId,
        parseOrThrow(StoreCredentialSchema, fields, 'Credential')
      );
      return { status: stored.created ? 201 : 200, data: stored.credential };
    },
  ],
  [
    'list-credentials',
    async ({ ownerId, fields, services }) => {
      allowOnly(fields);
      return { data: await services.credentials.list(ownerId) };
    },
  ],
  [
    'delete-credential',
    async ({ ownerId, fields, services }) => {
      const { force, ...ref } = parseOrThrow(DeleteCredentialSchema, fields, 'Delete request');
      const target = ref.id !== undefined ? { id: requireId(ref.id, 'id', 'Credential') } : { name: ref.name };
      return { data: await services.credentials.delete(ownerId, target, { force }) };
    },
  ],
  [
    'test-credential',
    async ({ ownerId, fields, services }) => {
      const request = parseOrThrow(TestCredentialSchema, fields, 'Test request');
      const { name, url, method, timeout_ms, ...definition } = request;
      return {
        data: await services.credentials.test(ownerId, {
          name,
          definition:
            name === undefined ? parseOrThrow(CredentialDefinitionSchema, definition, 'Credential') : undefined,
          url,
          method,
          timeoutMs: timeout_ms,
        }),
      };
    },
  ],
  [
    'trigger',
    async ({ ownerId, fields, services }) => {
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
  ],
  [
    'rotate-webhook-secret',
    async ({ ownerId, fields, services }) => {
      allowOnly(fields, 'id');
      return { data: await services.genies.rotateWebhookSecret(ownerId, genieId(fields)) };
    },
  ],
  [
    'approvals',
    async ({ ownerId, fields, services }) => {
      const query = parseOrThrow(ListApprovalsSchema, fields, 'Approvals request');
      return { data: await services.approvals.list(ownerId, query) };
    },
  ],
  ['approve', decide('approved')],
  ['deny', decide('denied')],
  [
    'memory',
    async ({ ownerId, fields, services }) => {
      const id = genieId(fields);
      const query = parseOrThrow(ListMemorySchema, without(fields, 'id'), 'Memory request');
      return { data: await services.memory.list(ownerId, id, query) };
    },
  ],
]);

export const ACTION_NAMES = [...ACTIONS.keys()];

async function dispatch(action: string, ctx: ActionContext): Promise<ActionResult> {
  const handler = ACTIONS.get(action);
  if (handler) return handler(ctx);
  throw new ValidationError(`Unknown action "${action}"; valid actions: ${ACTION_NAMES.join(', ')}`, [
    { field: 'action', message: `must be one of ${ACTION_NAMES.join(', ')}` },
  ]);
}

/** The `Idempotency-Key` header: 1 to 255 printable characters, or absent. */
function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 printable ASCII characters without spaces', [
      { field: 'Idempotency-Key', message: '1 to 255 printable ASCII characters without spaces' },
    ]);
  }
  return key;
}

/** Runs `action` for the caller and answers in the envelope. */
export async function answer(
  req: Request,
  res: Response,
  services: Services,
  action: string,
  fields: Record<string, unknown>
): Promise<void> {
  const result = await dispatch(action, {
    ownerId: ownerOf(res),
    fields,
    services,
    idempotencyKey: idempotencyKeyOf(req),
  });
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  sendData(res, result.data, result.status);
}
