// What needs no API key: the health check and this API's OpenAPI document.
import { z } from '../../domain/schemas/zod';
import { sendError } from '../envelope';
import * as R from '../openapi/responses';
import { endpoint } from './define';

export const metaEndpoints = [
  endpoint({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'Health',
    summary: 'Health: 200 when Postgres and Temporal answer, 503 otherwise',
    public: true,
    responses: { 200: { description: 'healthy', schema: R.HealthSchema } },
    errors: { 503: 'upstream_unavailable: details say which dependency is down' },
    handler: async ({ res, services }) => {
      const { healthy, checks } = await services.health.check();
      if (healthy) return { data: { status: 'ok', checks } };
      sendError(res, 503, 'upstream_unavailable', 'A dependency is unavailable.', checks);
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'getOpenApi',
    tag: 'Health',
    summary: 'This document',
    public: true,
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) } },
    handler: ({ res, openApiDocument }) => void res.json(openApiDocument()),
  }),
];
