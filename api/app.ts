import express from 'express';
import type { Logger } from '../platform/logger';
import { ValidationError } from './errors';
import { requireApiKey } from './middleware/auth';
import { errorHandler, notFoundHandler } from './middleware/errors';
import { refuseBadInput, verifyJsonDepth } from './middleware/input';
import { createRateLimiters, type RateLimits } from './middleware/rate-limit';
import { recordHttpMetrics } from './middleware/metrics';
import { traceRequests } from './middleware/tracing';
import { requestLog } from './middleware/request-log';
import { createHttpMetrics, type HttpMetrics } from '../platform/metrics';
import { ENDPOINTS } from './endpoints';
import { endpointRoutes } from './endpoints/router';
import { openApiDocument } from './openapi';
import { approvalLinksRouter } from './routes/approval-links';
import { codecRouter, type CodecServerOptions } from './routes/codec';
import { metricsRouter } from './routes/metrics';
import { webRouter } from './routes/web';
import { createServices, type ServiceDeps } from './services';

/** JSON bodies above this answer 413 in the envelope. */
const BODY_LIMIT = '1mb';
/** Business-data ingest takes up to 1000 rows, and a document may hold a long text: a larger limit. */
const DATA_BODY_LIMIT = '16mb';

export interface AppDeps extends ServiceDeps {
  logger: Logger;
  /** The API's Prometheus metrics, served at `/metrics` (a fresh registry when not given). */
  httpMetrics?: HttpMetrics;
  rateLimits: RateLimits;
  /** The codec server (`/codec/*`) for the Temporal UI and CLI. */
  codecServer: CodecServerOptions;
  /** `GENIE_METRICS_TOKEN`: `/metrics` wants `Authorization: Bearer <token>`; unset, it is open. */
  metricsToken?: string;
  /**
   * GENIE_TRUST_PROXY: the reverse proxies whose `X-Forwarded-For` names the client (a hop count,
   * or their addresses); none: the socket's address is the client's.
   */
  trustProxy?: number | string[];
}

/** Rejects a non-empty request body that is not JSON (express.json would silently skip it). */
const requireJsonBody: express.RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json') && ['POST', 'PATCH', 'PUT'].includes(req.method)) {
    throw new ValidationError('Content-Type must be application/json', [
      { field: '(body)', message: 'send JSON with Content-Type: application/json' },
    ]);
  }
  next();
};

/** Builds the Express app (no `listen`): health, OpenAPI, and the authenticated `/v1` API. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(requestLog(deps.logger));
  const httpMetrics = deps.httpMetrics ?? createHttpMetrics();
  app.use(recordHttpMetrics(httpMetrics));
  app.use(traceRequests);

  const services = createServices(deps);
  // Every endpoint of the table (api/endpoints/): the public ones here, the /v1 ones behind the key.
  const endpoints = endpointRoutes(ENDPOINTS, services, openApiDocument);
  app.use(endpoints.public); // /healthz and /v1/openapi.json: no key
  app.use(metricsRouter(httpMetrics.registry, deps.metricsToken)); // for Prometheus: counts and timings, nothing per user
  app.use(webRouter());
  app.use(approvalLinksRouter(services)); // the approval email's page: its signed token, not an API key
  app.use(codecRouter(deps.codecServer)); // for operators' tools: its own token, not an API key
  // Who is asking comes first: an unauthenticated request is answered 401 before its body is read.
  app.use('/v1', requireApiKey(deps.db, createRateLimiters(deps.db, deps.rateLimits)));
  const json = express.json({ limit: BODY_LIMIT, verify: verifyJsonDepth });
  const dataJson = express.json({ limit: DATA_BODY_LIMIT, verify: verifyJsonDepth });
  app.use('/v1', requireJsonBody, (req, res, next) =>
    (req.path.startsWith('/data/') ? dataJson : json)(req, res, next)
  );
  app.use('/v1', refuseBadInput);
  app.use(endpoints.api);
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
