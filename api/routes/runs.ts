import { Router } from 'express';
import { answer } from '../actions';
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
  route(router, '/:run_id/cancel', {
    post: (req, res) => answer(req, res, services, 'cancel-run', { run_id: req.params.run_id }),
  });
  return router;
}
