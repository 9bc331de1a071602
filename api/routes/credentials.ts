import { Router } from 'express';
import { isUuid } from '../../domain/ids';
import { answer, bodyFields } from '../actions';
import type { Services } from '../services';

/** `/v1/credentials`: REST aliases of store-, list- and delete-credential. */
export function credentialsRouter(services: Services): Router {
  const router = Router();
  router.get('/', (_req, res) => answer(res, services, 'list-credentials', {}));
  router.post('/', (req, res) => answer(res, services, 'store-credential', bodyFields(req)));
  router.delete('/:ref', (req, res) =>
    answer(
      res,
      services,
      'delete-credential',
      isUuid(req.params.ref) ? { id: req.params.ref } : { name: req.params.ref }
    )
  );
  return router;
}
