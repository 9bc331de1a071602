import { Router } from 'express';
import { answer } from '../actions';
import { ownerOf } from '../middleware/auth';
import { streamSse } from '../sse';
import { requireId } from '../validation';
import type { Services } from '../services';
import { route } from './define';

/** `/v1/runs`: every run of the caller, and REST aliases of get-run and cancel-run. */
export function runsRouter(services: Services): Router {
  const router = Router();
  route(router, '/', {
    get: (req, res) => answer(req, res, services, 'runs', { ...req.query }),
  });
  route(router, '/:run_id', {
    get: (req, res) => answer(req, res, services, 'get-run', { run_id: req.params.run_id }),
  });
  route(router, '/:run_id/stream', {
    get: async (req, res) => {
      const runId = requireId(req.params.run_id, 'run_id', 'Run');
      const lastEventId = Number(req.get('last-event-id') ?? 0);
      const request = {
        ownerId: ownerOf(res),
        apiKeyId: String(res.locals.apiKeyId),
        runId,
        afterSeq: Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0,
      };
      await streamSse(res, (signal) => services.runStream.events(request, signal), {
        keepaliveMs: services.runStream.timings.heartbeatMs,
      });
    },
  });
  route(router, '/:run_id/cancel', {
    post: (req, res) => answer(req, res, services, 'cancel-run', { run_id: req.params.run_id }),
  });
  return router;
}
