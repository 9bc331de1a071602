import { Router } from 'express';
import type { Registry } from 'prom-client';
import { bearerTokenMatches } from '../../security/bearer-token';
import { UnauthorizedError } from '../errors';
import { route } from './define';

/**
 * `GET /metrics`: the registry in Prometheus' text format. With a `token` (`GENIE_METRICS_TOKEN`)
 * only a caller sending `Authorization: Bearer <token>` reads it; others get 401.
 */
export function metricsRouter(registry: Registry, token?: string): Router {
  const router = Router();
  route(router, '/metrics', {
    get: async (req, res) => {
      if (token && !bearerTokenMatches(req.get('authorization'), token)) {
        res.set('www-authenticate', 'Bearer');
        throw new UnauthorizedError('/metrics needs Authorization: Bearer $GENIE_METRICS_TOKEN.');
      }
      res.set('content-type', registry.contentType).send(await registry.metrics());
    },
  });
  return router;
}
