import { Router } from 'express';
import { sendData } from '../envelope';
import { ownerOf } from '../middleware/auth';
import type { DataService } from '../services/data';
import { IngestRowsSchema } from '../../lib/schemas/data';
import { parseOrThrow } from '../validation';

/** `/v1/data/{table}`: read the account's business rows (filters as query_data) and ingest them. */
export function dataRouter(data: DataService): Router {
  const router = Router();
  router.get('/:table', async (req, res) => {
    sendData(res, await data.read(ownerOf(res), req.params.table, { ...req.query }));
  });
  router.post('/:table', async (req, res) => {
    const { rows } = parseOrThrow(IngestRowsSchema, req.body ?? {}, 'Ingest request');
    sendData(res, await data.ingest(ownerOf(res), req.params.table, rows), 201);
  });
  return router;
}
