// Genies: list, get, create (also the resource/action endpoint), update, delete.
import { GenieCreateSchema, GenieUpdateSchema } from '../../domain/schemas/genie';
import { z } from '../../domain/schemas/zod';
import * as R from '../openapi/responses';
import { ListGeniesSchema } from '../schemas';
import { endpoint, uuidParam } from './define';

export const GENIE_ID = { id: uuidParam('Genie') };

export const genieEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/worker-genies',
    operationId: 'listGenies',
    tag: 'Genies',
    summary: 'List genies, newest first',
    action: ['list', 'all'],
    query: ListGeniesSchema,
    label: 'List request',
    responses: { 200: { description: 'a page of genies', schema: R.ok(R.GenieListSchema) } },
    handler: async ({ ownerId, query, services }) => ({
      data: await services.genies.list(ownerId, {
        limit: query.limit,
        cursor: query.cursor,
        triggerType: query.trigger_type,
        enabled: query.enabled,
      }),
    }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/worker-genies/{id}',
    operationId: 'getGenie',
    tag: 'Genies',
    summary: 'Get a genie with its recent runs (and next run times when scheduled)',
    action: 'get',
    params: GENIE_ID,
    responses: { 200: { description: 'the genie', schema: R.ok(R.GenieWithRunsSchema) } },
    handler: async ({ ownerId, params, services }) => ({ data: await services.genies.get(ownerId, params.id) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/worker-genies',
    operationId: 'workerGeniesAction',
    tag: 'Genies',
    summary: 'Resource/action endpoint: create a genie, or any action by name',
    description:
      'A body with no `action` creates a genie (GenieCreate). Otherwise `action` chooses the operation; ' +
      'each answers as its REST alias does. `run` and `trigger` answer 202 (`approve`/`deny` too when no worker can take the decision now); `create` and `store-credential` 201 ' +
      '(`store-credential` with `replace` 200). `run` honours an `Idempotency-Key` header.',
    action: 'create',
    dispatcher: true,
    body: GenieCreateSchema,
    label: 'Genie',
    responses: {
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
    handler: async ({ ownerId, body, services }) => ({
      status: 201,
      data: await services.genies.create(ownerId, body),
    }),
  }),
  endpoint({
    method: 'patch',
    path: '/v1/worker-genies/{id}',
    operationId: 'updateGenie',
    tag: 'Genies',
    summary: 'Update a genie; a changed schedule or trigger takes effect at once',
    action: 'update',
    params: GENIE_ID,
    body: GenieUpdateSchema,
    label: 'Genie update',
    responses: { 200: { description: 'the updated genie', schema: R.ok(R.GenieSavedSchema) } },
    errors: { 409: 'conflict: the update does not fit the genie as it is (details name the fields)' },
    handler: async ({ ownerId, params, body, services }) => ({
      data: await services.genies.update(ownerId, params.id, body),
    }),
  }),
  endpoint({
    method: 'delete',
    path: '/v1/worker-genies/{id}',
    operationId: 'deleteGenie',
    tag: 'Genies',
    summary: 'Delete a genie, its schedule, running runs, run history and memory',
    action: 'delete',
    params: GENIE_ID,
    responses: { 200: { description: 'deleted', schema: R.ok(R.DeletedSchema) } },
    handler: async ({ ownerId, params, services }) => ({ data: await services.genies.delete(ownerId, params.id) }),
  }),
];
