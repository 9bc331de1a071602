import { Router } from 'express';
import { FILTER_OPS, type DataFilter, type DataQuery } from '../../db/repositories/business-data';
import { isDataTable } from '../../domain/data-tables';
import { IngestRowsSchema } from '../../domain/schemas/data';
import type { FieldProblem } from '../../domain/schemas/genie';
import { sendData } from '../envelope';
import { ValidationError } from '../errors';
import { ownerOf } from '../middleware/auth';
import { DATA_READ_PARAMS, dataReadQuerySchema } from '../schemas';
import type { Services } from '../services';
import { parseOrThrow } from '../validation';
import { route } from './define';

/**
 * Query-string filters, as query_data's: `column=op.value` (`status=eq.new`, `score=gte.50`,
 * `status=in.new,contacted`, `phone=is_null.true`), plus `limit`, `offset`, `order=column.desc`,
 * `columns=a,b` and `count_only=true`, which are validated like any other request.
 */
export function parseQueryString(table: string, query: Record<string, unknown>): Omit<DataQuery, 'table'> {
  const filters: DataFilter[] = [];
  const problems: FieldProblem[] = [];
  const reserved: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(query)) {
    if (DATA_READ_PARAMS.includes(column)) {
      reserved[column] = raw;
      continue;
    }
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
  if (!isDataTable(table)) return { filters }; // the service answers 404
  const options = parseOrThrow(dataReadQuerySchema(table), reserved, 'Query');
  const [orderColumn, direction] = options.order?.split('.') ?? [];
  return {
    filters,
    limit: options.limit,
    offset: options.offset,
    orderBy: orderColumn ? { column: orderColumn, direction: direction ?? 'asc' } : undefined,
    columns: options.columns?.split(','),
    countOnly: options.count_only ?? false,
  };
}

/** `/v1/data/{table}`: read the account's business rows (filters as query_data) and ingest them. */
export function dataRouter({ data }: Services): Router {
  const router = Router();
  route(router, '/:table', {
    get: async (req, res) => {
      sendData(
        res,
        await data.read(
          ownerOf(res),
          String(req.params.table),
          parseQueryString(String(req.params.table), { ...req.query })
        )
      );
    },
    post: async (req, res) => {
      const { rows } = parseOrThrow(IngestRowsSchema, req.body ?? {}, 'Ingest request');
      sendData(res, await data.ingest(ownerOf(res), String(req.params.table), rows), 201);
    },
  });
  return router;
}
