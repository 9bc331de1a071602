import express from 'express';
import type { Client } from '@temporalio/client';
import { pinoHttp } from 'pino-http';
import crypto from 'node:crypto';
import type { Db } from '../db';
import type { FetchPolicy } from '../lib/fetch/ssrf';
import type { Logger } from '../lib/logger';
import type { Vault } from '../lib/vault';
import { GenieSchedules } from '../lib/genie-schedules';
import { errorHandler, notFoundHandler } from './middleware/errors';
import { requireApiKey } from './middleware/auth';
import { openApiDocument } from './openapi';
import { dataRouter } from './routes/data';
import { notificationsRouter } from './routes/notifications';
import { DataService } from './services/data';
import { EventService } from './services/events';
import { NotificationService } from './services/notifications';
import { healthRouter } from './routes/health';
import { credentialsRouter, eventsRouter, runsRouter, workerGeniesRouter } from './routes/worker-genies';
import { CredentialService } from './services/credentials';
import { GenieService } from './services/genies';
import { MemoryService } from './services/memory';
import { RunService } from './services/runs';
import { ValidationError } from './errors';

/** JSON bodies above this answer 413 in the envelope. */
export const BODY_LIMIT = '1mb';

export interface AppDeps {
  db: Db;
  temporal: Client;
  logger: Logger;
  namespace: string;
  temporalUiUrl: string;
  /** Where runs are started (the worker polls it). */
  taskQueue: string;
  vault: Vault;
  /** What test-credential may reach (GENIE_FETCH_ALLOW_HOSTS). */
  fetchPolicy: FetchPolicy;
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
  app.set('trust proxy', false);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const id = crypto.randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' },
    })
  );
  app.use(requireJsonBody);
  app.use(express.json({ limit: BODY_LIMIT }));

  const links = { temporalUiUrl: deps.temporalUiUrl, namespace: deps.namespace };
  const credentials = new CredentialService(deps.db, deps.vault, deps.fetchPolicy);
  const events = new EventService(deps.db, deps.temporal, deps.taskQueue);
  const schedules = new GenieSchedules(deps.temporal, deps.taskQueue);
  const services = {
    credentials,
    events,
    genies: new GenieService(deps.db, deps.temporal, links, credentials, schedules, events),
    runs: new RunService(deps.db, deps.temporal, { ...links, taskQueue: deps.taskQueue }),
    memory: new MemoryService(deps.db),
  };

  app.use(healthRouter(deps.db, deps.temporal));
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use('/v1', requireApiKey(deps.db));
  app.use('/v1/worker-genies', workerGeniesRouter(services));
  app.use('/v1/runs', runsRouter(services));
  app.use('/v1/credentials', credentialsRouter(services));
  app.use('/v1/data', dataRouter(new DataService(deps.db)));
  app.use('/v1/notifications', notificationsRouter(new NotificationService(deps.db)));
  app.use('/v1/events', eventsRouter(services));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
