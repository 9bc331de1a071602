import { Router } from 'express';
import { answer } from '../actions';
import type { Services } from '../services';

/** `/v1/runs`: REST aliases of get-run and cancel-run. */
export function runsRouter(services: Services): Router {
  const router = Router();
  router.get('/:run_id', (req, res) => answer(res, services, 'get-run', { run_id: req.params.run_id }));
  router.post('/:run_id/cancel', (req, res) => answer(res, services, 'cancel-run', { run_id: req.params.run_id }));
  return router;
}
