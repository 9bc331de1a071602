// A genie's webhook: a new signing secret.
import * as R from '../openapi/responses';
import { endpoint } from './define';
import { GENIE_ID } from './genies';

export const webhookEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/worker-genies/{id}/rotate-webhook-secret',
    operationId: 'rotateWebhookSecret',
    tag: 'Genies',
    summary: 'Replace the genie’s webhook signing secret (the old one signs next to it for 24 hours)',
    action: 'rotate-webhook-secret',
    params: GENIE_ID,
    responses: { 200: { description: 'the new secret, shown this once', schema: R.ok(R.WebhookSecretSchema) } },
    errors: { 409: 'conflict: the genie has no webhook_url' },
    handler: async ({ ownerId, params, services }) => ({
      data: await services.genies.rotateWebhookSecret(ownerId, params.id),
    }),
  }),
];
