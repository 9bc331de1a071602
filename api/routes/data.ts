import { Router } from 'express';
import { FILTER_OPS, type DataFilter, type DataQuery } from '../../db/repositories/business-data';
import { IngestRowsSchema } from '../../domain/schemas/data';
import type { FieldProblem } from '../../domain/schemas/genie';
import { sendData } from '../envelope';
import { ValidationError } from '../errors';
import { ownerOf } from '../middleware/auth';
import { BooleanParam } from '../schemas';
import type { Services } from '../services';
import { parseOrThrow } from '../validation';
import { route } from './define';

const RESERVED_PARAMS = new Set(['limit', 'offset', 'order', 'columns', 'count_only']);

/**
 * Query-string filters, as query_data's: `column=op.value` (`status=eq.new`, `score=gte.50`,
 * `status=in.new,contacted`, `phone=is_null.true`), plus `limit`, `offset`, `order=column.desc`,
 * `columns=a,b` and `count_only=true`.
 */
export function parseQueryString(query: Record<string, unknown>): Omit<DataQuery, 'table'> {
  const filters: DataFilter[] = [];
  const problems: FieldProblem[] = [];
  for (const [column, raw] of Object.entries(query)) {
    if (RESERVED_PARAMS.has(column)) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const match = /^([a-z_]+)\.(.*)$/s.exec(String(value));
      if (!match || !(FILTER_OPS as readonly string[]).includes(match[1]!)) {
        problems.push({ field: column, message: `use ${column}=<op>.<value> with op in ${FILTER_OPS.join(', ')}` });
        continue;
      }
      const [, op, operand] = match as unknown as [string, string, string];
      filters.push({
        column,
        op,
        value: op === 'in' ? operand.split(',') : op === 'is_null' ? operand !== 'false' : operand,
      });
    }
  }
  if (problems.length) throw new ValidationError('Invalid filters', problems);
  const number = (name: string) => (query[name] === undefined ? undefined : Number(query[name]));
  const order = typeof query.order === 'string' ? query.order.split('.') : undefined;
  const countOnly = query.count_only === undefined ? false : parseOrThrow(BooleanParam, query.count_only, 'count_only');
  return {
    filters,
    limit: number('limit'),
    offset: number('offset'),
    orderBy: order ? { column: order[0]!, direction: order[1] ?? 'asc' } : undefined,
    columns: typeof query.columns === 'string' ? query.columns.split(',').filter(Boolean) : undefined,
    countOnly,
  };
}

/** `/v1/data/{table}`: read the account's business rows (filters as query_data) and ingest them. */
export function dataRouter({ data }: Services): Router {
  const router = Router();
  route(router, '/:table', {
    get: async (req, res) => {
      sendData(res, await data.read(ownerOf(res), String(req.params.table), parseQueryString({ ...req.query })));
    },
    post: async (req, res) => {
      const { rows } = parseOrThrow(IngestRowsSchema, req.body ?? {}, 'Ingest request');
      sendData(res, await data.ingest(ownerOf(res), String(req.params.table), rows), 201);
    },
  });
  return router;
}
