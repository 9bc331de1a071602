// Business data: read a table's rows (filters as query_data's) and ingest rows, one path per table
// so each documents its own columns.
import { FILTER_OPS, type DataFilter, type DataQuery } from '../../db/repositories/business-data';
import { DATA_TABLE_NAMES, type DataTableName } from '../../domain/data-tables';
import { INGEST_MAX_ROWS, IngestRowsSchema, rowSchema } from '../../domain/schemas/data';
import type { FieldProblem } from '../../domain/schemas/genie';
import { z } from '../../domain/schemas/zod';
import { ValidationError } from '../errors';
import * as R from '../openapi/responses';
import { DATA_READ_PARAMS, dataReadQuerySchema } from '../schemas';
import { parseOrThrow } from '../validation';
import { endpoint, parsedBy } from './define';

/**
 * Query-string filters, as query_data's: `column=op.value` (`status=eq.new`, `score=gte.50`,
 * `status=in.new,contacted`, `phone=is_null.true`), plus `limit`, `offset`, `order=column.desc`,
 * `columns=a,b` and `count_only=true`, which are validated like any other request.
 */
function parseQueryString(
  table: DataTableName,
  query: Record<string, unknown>,
  label = 'Query'
): Omit<DataQuery, 'table'> {
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
  const options = parseOrThrow(dataReadQuerySchema(table), reserved, label);
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

export const dataEndpoints = DATA_TABLE_NAMES.flatMap((table) => [
  endpoint({
    method: 'get',
    path: `/v1/data/${table}`,
    operationId: `read_${table}`,
    tag: 'Data',
    summary: `Read ${table}; filters as query_data: ?column=op.value (eq neq gt gte lt lte in contains is_null)`,
    query: parsedBy(dataReadQuerySchema(table), (raw, label) => parseQueryString(table, raw, label)),
    label: 'Query',
    responses: { 200: { description: '{rows, row_count, truncated}', schema: R.ok(R.DataRowsSchema) } },
    handler: async ({ ownerId, query, services }) => ({ data: await services.data.read(ownerId, table, query) }),
  }),
  endpoint({
    method: 'post',
    path: `/v1/data/${table}`,
    operationId: `ingest_${table}`,
    tag: 'Data',
    summary: `Add ${table} rows, up to ${INGEST_MAX_ROWS}, all or nothing; each bad row reported`,
    // Documented with the table's columns; the service checks each row and reports every bad one.
    body: parsedBy(
      z
        .object({ rows: z.array(rowSchema(table)).min(1).max(INGEST_MAX_ROWS) })
        .strict()
        .openapi(`Ingest_${table}`),
      (raw, label) => parseOrThrow(IngestRowsSchema, raw, label)
    ),
    label: 'Ingest request',
    responses: { 201: { description: 'inserted', schema: R.ok(R.IngestedSchema) } },
    errors: { 409: 'conflict: you already have a row with one of these ids' },
    handler: async ({ ownerId, body, services }) => ({
      status: 201,
      data: await services.data.ingest(ownerId, table, body.rows),
    }),
  }),
]);
