// API keys: the caller's own, created (shown once) and revoked.
import * as R from '../openapi/responses';
import { CreateApiKeySchema } from '../schemas';
import { endpoint, uuidParam } from './define';

export const apiKeyEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/api-keys',
    operationId: 'listApiKeys',
    tag: 'API keys',
    summary: 'Your API keys (never a secret)',
    responses: { 200: { description: 'keys, newest first', schema: R.ok(R.ApiKeyListSchema) } },
    handler: async ({ ownerId, services }) => ({ data: await services.apiKeys.list(ownerId) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/api-keys',
    operationId: 'createApiKey',
    tag: 'API keys',
    summary: 'Create an API key; the answer is the only place it is ever shown',
    body: CreateApiKeySchema,
    bodyOptional: true,
    label: 'API key',
    responses: { 201: { description: 'the new key', schema: R.ok(R.ApiKeyCreatedSchema) } },
    errors: { 409: 'conflict: you already hold 50 active keys; revoke one first' },
    handler: async ({ ownerId, body, services }) => ({
      status: 201,
      data: await services.apiKeys.create(ownerId, body.name ?? null),
    }),
  }),
  endpoint({
    method: 'delete',
    path: '/v1/api-keys/{id}',
    operationId: 'revokeApiKey',
    tag: 'API keys',
    summary: 'Revoke an API key: its next request answers 401',
    params: { id: uuidParam('API key') },
    responses: { 200: { description: 'the revoked key', schema: R.ok(R.ApiKeySchema) } },
    handler: async ({ ownerId, params, services }) => ({ data: await services.apiKeys.revoke(ownerId, params.id) }),
  }),
];
