import { Router } from 'express';
import type { Registry } from 'prom-client';
import { route } from './define';

/** `GET /metrics`: the registry in Prometheus' text format. */
export function metricsRouter(registry: Registry): Router {
  const router = Router();
  route(router, '/metrics', {
    get: async (_req, res) => {
      res.set('content-type', registry.contentType).send(await registry.metrics());
    },
  });
  return router;
}
