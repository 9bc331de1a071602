import { Router } from 'express';
import { answer, bodyFields, parseActionBody } from '../actions';
import type { Services } from '../services';
import { route } from './define';

/** `/v1/worker-genies`: the seed-style action endpoint and its REST aliases. */
export function workerGeniesRouter(services: Services): Router {
  const router = Router();
  route(router, '/', {
    get: (req, res) => answer(req, res, services, 'list', { ...req.query }),
    post: (req, res) => {
      const { action, fields } = parseActionBody(req.body);
      return answer(req, res, services, action, fields);
    },
  });
  route(router, '/:id', {
    get: (req, res) => answer(req, res, services, 'get', { id: req.params.id }),
    patch: (req, res) => answer(req, res, services, 'update', { ...bodyFields(req), id: req.params.id }),
    delete: (req, res) => answer(req, res, services, 'delete', { id: req.params.id }),
  });
  route(router, '/:id/run', {
    post: (req, res) => answer(req, res, services, 'run', { ...bodyFields(req), id: req.params.id }),
  });
  route(router, '/:id/runs', {
    get: (req, res) => answer(req, res, services, 'runs', { ...req.query, id: req.params.id }),
  });
  route(router, '/:id/memory', {
    get: (req, res) => answer(req, res, services, 'memory', { ...req.query, id: req.params.id }),
  });
  route(router, '/:id/rotate-webhook-secret', {
    post: (req, res) => answer(req, res, services, 'rotate-webhook-secret', { ...bodyFields(req), id: req.params.id }),
  });
  route(router, '/:id/events', {
    post: (req, res) => answer(req, res, services, 'trigger', { ...bodyFields(req), id: req.params.id }),
  });
  return router;
}
