import { Router } from 'express';
import { answer, bodyFields } from '../actions';
import type { Services } from '../services';
import { sendData } from '../envelope';
import { ownerOf } from '../middleware/auth';
import { requireId } from '../validation';
import { route } from './define';

/** `/v1/approvals`: the caller's approvals, and approve / deny (REST aliases of the actions). */
export function approvalsRouter(services: Services): Router {
  const router = Router();
  route(router, '/', {
    get: (req, res) => answer(req, res, services, 'approvals', { ...req.query }),
  });
  route(router, '/:id', {
    get: async (req, res) => {
      sendData(res, await services.approvals.get(ownerOf(res), requireId(req.params.id, 'id', 'Approval')));
    },
  });
  route(router, '/:id/approve', {
    post: (req, res) => answer(req, res, services, 'approve', { ...bodyFields(req), approval_id: req.params.id }),
  });
  route(router, '/:id/deny', {
    post: (req, res) => answer(req, res, services, 'deny', { ...bodyFields(req), approval_id: req.params.id }),
  });
  return router;
}
