// What a genie remembers.
import * as R from '../openapi/responses';
import { ListMemorySchema } from '../schemas';
import { endpoint } from './define';
import { GENIE_ID } from './genies';

export const memoryEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/worker-genies/{id}/memory',
    operationId: 'listGenieMemory',
    tag: 'Genies',
    summary: 'What a genie remembers (its own memory and the account’s)',
    action: 'memory',
    params: GENIE_ID,
    query: ListMemorySchema,
    label: 'Memory request',
    responses: { 200: { description: 'memory entries', schema: R.ok(R.MemoryListSchema) } },
    handler: async ({ ownerId, params, query, services }) => ({
      data: await services.memory.list(ownerId, params.id, query),
    }),
  }),
];
