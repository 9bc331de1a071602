// Evals: try a change to a genie against its past runs, read how it went, cancel, apply it.
import { EvalCreateSchema } from '../../domain/schemas/eval';
import * as R from '../openapi/responses';
import { ListEvalsSchema } from '../schemas';
import { endpoint, uuidParam } from './define';
import { GENIE_ID } from './genies';

const EVAL_ID = { id: uuidParam('Eval') };

export const evalEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/worker-genies/{id}/evals',
    operationId: 'createEval',
    tag: 'Evals',
    summary: 'Try a change to a genie against its past runs, before it goes live',
    description:
      'Each case reruns a past run’s input with the genie as `changes` would make it, calling the model for real. Tool calls are answered from the past run’s recorded results when the same tool is called with JSON-equal input (the n-th such call gets the n-th result); otherwise memory_read and query_data read live and every other call gets an is_error result. An eval writes no memory, sends nothing, asks no approval and spends nothing of a monthly budget. With `rubric`, a judge scores each case 1–5.',
    action: 'eval',
    params: GENIE_ID,
    body: EvalCreateSchema,
    label: 'Eval',
    responses: { 202: { description: 'started', schema: R.ok(R.EvalStartedSchema) } },
    errors: {
      409: 'conflict: a named run has not ended, the genie has no succeeded runs, or the change does not fit it',
    },
    handler: async ({ ownerId, params, body, services }) => ({
      status: 202,
      data: await services.evals.create(ownerId, params.id, body),
    }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/worker-genies/{id}/evals',
    operationId: 'listEvals',
    tag: 'Evals',
    summary: 'A genie’s evals, newest first',
    action: 'evals',
    params: GENIE_ID,
    query: ListEvalsSchema,
    label: 'Evals request',
    responses: { 200: { description: 'a page of evals', schema: R.ok(R.EvalListSchema) } },
    handler: async ({ ownerId, params, query, services }) => ({
      data: await services.evals.list(ownerId, params.id, query),
    }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/evals/{id}',
    operationId: 'getEval',
    tag: 'Evals',
    summary: 'An eval with its cases side by side',
    action: 'get-eval',
    params: EVAL_ID,
    responses: { 200: { description: 'the eval', schema: R.ok(R.EvalSchema) } },
    handler: async ({ ownerId, params, services }) => ({ data: await services.evals.get(ownerId, params.id) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/evals/{id}/cancel',
    operationId: 'cancelEval',
    tag: 'Evals',
    summary: 'Cancel an eval (its running cases too)',
    action: 'cancel-eval',
    params: EVAL_ID,
    responses: { 200: { description: 'the eval', schema: R.ok(R.EvalSchema) } },
    errors: { 409: 'conflict: the eval already ended' },
    handler: async ({ ownerId, params, services }) => ({ data: await services.evals.cancel(ownerId, params.id) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/evals/{id}/apply',
    operationId: 'applyEval',
    tag: 'Evals',
    summary: 'Apply the eval’s change to the genie (one update, a new version)',
    action: 'apply-eval',
    params: EVAL_ID,
    responses: { 200: { description: 'the updated genie', schema: R.ok(R.GenieSavedSchema) } },
    errors: { 409: 'conflict: the genie changed since the eval began, or the change was already applied' },
    handler: async ({ ownerId, params, services }) => ({ data: await services.evals.apply(ownerId, params.id) }),
  }),
];
