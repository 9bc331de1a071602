import type { Client } from '@temporalio/client';
import { pingDb, type Db } from '../../db';
import type { Logger } from '../../platform/logger';
import { pingTemporal } from '../../temporal/client';
import { diagnoseTemporal } from '../../temporal/connection';

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

/** Whether Postgres and Temporal answer (`GET /healthz`). */
export class HealthService {
  private readonly watch: ReturnType<typeof temporalWatch>;

  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    logger?: Logger
  ) {
    this.watch = temporalWatch(temporal, logger);
  }

  async check() {
    const [postgres, temporal] = await Promise.all([
      settle(pingDb(this.db)),
      settle(
        pingTemporal(this.temporal).then(
          () => this.watch.ok(),
          (err: unknown) => {
            this.watch.failed(err);
            throw err;
          }
        )
      ),
    ]);
    return { healthy: postgres === 'ok' && temporal === 'ok', checks: { postgres, temporal } };
  }
}
