import { Router } from 'express';
import { isUuid } from '../../domain/ids';
import { answer, bodyFields } from '../actions';
import { ownerOf } from '../middleware/auth';
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
  route(router, '/:ref/test', {
    post: async (req, res) => {
      const ref = String(req.params.ref);
      const name = isUuid(ref) ? await services.credentials.nameOf(ownerOf(res), ref) : ref;
      return answer(req, res, services, 'test-credential', { ...bodyFields(req), name });
    },
  });
  return router;
}
