import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { pingDb, type Db } from '../../db';
import { pingTemporal } from '../../temporal/client';
import { route } from './define';

const settle = (promise: Promise<unknown>): Promise<'ok' | 'unavailable'> =>
  promise.then(
    () => 'ok' as const,
    () => 'unavailable' as const
  );

/** `GET /healthz`: 200 once Postgres and Temporal both answer, 503 otherwise. Needs no key. */
export function healthRouter(db: Db, temporal: Client): Router {
  const router = Router();
  route(router, '/healthz', {
    get: async (_req, res) => {
      const [postgres, temporalStatus] = await Promise.all([settle(pingDb(db)), settle(pingTemporal(temporal))]);
      const healthy = postgres === 'ok' && temporalStatus === 'ok';
      const checks = { postgres, temporal: temporalStatus };
      if (healthy) {
        res.status(200).json({ success: true, data: { status: 'ok', checks } });
      } else {
        res.status(503).json({
          success: false,
          error: { code: 'upstream_unavailable', message: 'A dependency is unavailable.', details: checks },
        });
      }
    },
  });
  return router;
}
