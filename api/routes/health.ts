import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { pingDb, type Db } from '../../db';
import type { Logger } from '../../platform/logger';
import { pingTemporal } from '../../temporal/client';
import { diagnoseTemporal } from '../../temporal/connection';
import { route } from './define';

const settle = (promise: Promise<unknown>): Promise<'ok' | 'unavailable'> =>
  promise.then(
    () => 'ok' as const,
    () => 'unavailable' as const
  );

/** How often, at most, a failing health check looks for why Temporal does not answer. */
const DIAGNOSE_EVERY_MS = 10_000;

/**
 * Says why Temporal does not answer (a TLS or credential problem names its variable), once per
 * reason: a warning when the reason changes, a line when Temporal answers again.
 */
function temporalWatch(temporal: Client, logger: Logger | undefined) {
  let reason: string | undefined;
  let diagnosing = false;
  let lastDiagnosis = 0;
  return {
    ok() {
      if (reason !== undefined) logger?.info('Temporal answers again');
      reason = undefined;
    },
    failed(err: unknown) {
      if (!logger || diagnosing || Date.now() - lastDiagnosis < DIAGNOSE_EVERY_MS) return;
      diagnosing = true;
      lastDiagnosis = Date.now();
      void diagnoseTemporal(temporal, err)
        .then((problem) => {
          if (problem.kind !== reason) logger.warn(`health check: ${problem.line}`);
          reason = problem.kind;
        })
        .catch(() => undefined)
        .finally(() => (diagnosing = false));
    },
  };
}

/** `GET /healthz`: 200 once Postgres and Temporal both answer, 503 otherwise. Needs no key. */
export function healthRouter(db: Db, temporal: Client, logger?: Logger): Router {
  const router = Router();
  const watch = temporalWatch(temporal, logger);
  route(router, '/healthz', {
    get: async (_req, res) => {
      const [postgres, temporalStatus] = await Promise.all([
        settle(pingDb(db)),
        settle(
          pingTemporal(temporal).then(
            () => watch.ok(),
            (err: unknown) => {
              watch.failed(err);
              throw err;
            }
          )
        ),
      ]);
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
