// Models: what each Claude model costs here (the table runs are costed by).
import * as R from '../openapi/responses';
import { endpoint } from './define';

export const modelEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/models',
    operationId: 'listModels',
    tag: 'Models',
    summary: 'The price of each Claude model (USD per million tokens) and of server tools',
    description:
      'The shipped table (its source and date are in platform/default-prices.ts) or the one GENIE_PRICES_FILE names. A genie whose model is not listed has runs with `cost_usd: null`.',
    action: 'models',
    responses: { 200: { description: 'the prices', schema: R.ok(R.ModelListSchema) } },
    handler: ({ services }) => ({
      data: {
        items: services.prices.items,
        server_tools: services.prices.server_tools ?? {},
        default_model: services.defaultModel,
      },
    }),
  }),
];
