import { Router } from 'express';
import { isUuid } from '../../domain/ids';
import { answer, bodyFields } from '../actions';
import type { Services } from '../services';
import { route } from './define';

/** `/v1/credentials`: REST aliases of store-, list- and delete-credential. */
export function credentialsRouter(services: Services): Router {
  const router = Router();
  route(router, '/', {
    get: (req, res) => answer(req, res, services, 'list-credentials', {}),
    post: (req, res) => answer(req, res, services, 'store-credential', bodyFields(req)),
  });
  route(router, '/:ref', {
    delete: (req, res) =>
      answer(req, res, services, 'delete-credential', {
        ...bodyFields(req),
        ...req.query,
        ...(isUuid(req.params.ref) ? { id: req.params.ref } : { name: req.params.ref }),
      }),
  });
  return router;
}
