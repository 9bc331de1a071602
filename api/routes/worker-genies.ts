import { Router } from 'express';
import { answer, bodyFields, parseActionBody } from '../actions';
import type { Services } from '../services';

/** `/v1/worker-genies`: the seed-style action endpoint and its REST aliases. */
export function workerGeniesRouter(services: Services): Router {
  const router = Router();
  router.get('/', (req, res) => answer(res, services, 'list', { ...req.query }));
  router.post('/', (req, res) => {
    const { action, fields } = parseActionBody(req.body);
    return answer(res, services, action, fields);
  });
  router.get('/:id', (req, res) => answer(res, services, 'get', { id: req.params.id }));
  router.patch('/:id', (req, res) => answer(res, services, 'update', { ...bodyFields(req), id: req.params.id }));
  router.delete('/:id', (req, res) => answer(res, services, 'delete', { id: req.params.id }));
  router.post('/:id/run', (req, res) => answer(res, services, 'run', { ...bodyFields(req), id: req.params.id }));
  router.get('/:id/runs', (req, res) => answer(res, services, 'runs', { ...req.query, id: req.params.id }));
  router.post('/:id/events', (req, res) => answer(res, services, 'trigger', { ...bodyFields(req), id: req.params.id }));
  return router;
}
