import { Router } from 'express';
import { bodyFields } from '../actions';
import { sendData } from '../envelope';
import { ownerOf } from '../middleware/auth';
import { CreateApiKeySchema } from '../schemas';
import type { Services } from '../services';
import { parseOrThrow, requireId } from '../validation';
import { route } from './define';

/** `/v1/api-keys`: the caller's keys. */
export function apiKeysRouter({ apiKeys }: Services): Router {
  const router = Router();
  route(router, '/', {
    get: async (_req, res) => sendData(res, await apiKeys.list(ownerOf(res))),
    post: async (req, res) => {
      const { name } = parseOrThrow(CreateApiKeySchema, bodyFields(req), 'API key');
      sendData(res, await apiKeys.create(ownerOf(res), name ?? null), 201);
    },
  });
  route(router, '/:id', {
    delete: async (req, res) =>
      sendData(res, await apiKeys.revoke(ownerOf(res), requireId(req.params.id, 'id', 'API key'))),
  });
  return router;
}
