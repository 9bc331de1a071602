import type { Knex } from 'knex';
import {
  DATA_TABLE_NAMES,
  DATA_TABLES,
  DEFAULT_ORDER,
  isDataTable,
  type ColumnSpec,
  type DataTableName,
} from '../../domain/data-tables';
import type { Queryable } from '../index';
import { escapeLike } from '../sql';
import { isUuid } from '../../domain/ids';

export const FILTER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'is_null'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export const QUERY_LIMIT_MAX = 100;
const QUERY_LIMIT_DEFAULT = 20;
/** Long text columns are cut to this many characters in query results. */
const LONG_TEXT_MAX_CHARS = 1000;

export interface DataFilter {
  column: string;
  op: string;
  value?: unknown;
}

export interface DataQuery {
  table: string;
  filters?: DataFilter[];
  columns?: string[];
  orderBy?: { column: string; direction?: string };
  limit?: number;
  offset?: number;
  countOnly?: boolean;
}

export interface DataQueryResult {
  rows: Array<Record<string, unknown>>;
  row_count: number;
  truncated: boolean;
  note?: string;
}

/** A query that is the caller's fault; its message names the valid choices. */
export class DataQueryError extends Error {
  override name = 'DataQueryError';
}

const ORDERABLE: ColumnSpec['type'][] = ['integer', 'timestamp', 'text', 'uuid'];

function tableOf(name: string): Record<string, ColumnSpec> {
  if (!isDataTable(name)) {
    throw new DataQueryError(`Unknown table "${name}"; tables: ${DATA_TABLE_NAMES.join(', ')}`);
  }
  return DATA_TABLES[name];
}

function columnOf(table: string, columns: Record<string, ColumnSpec>, column: string): ColumnSpec {
  const spec = Object.hasOwn(columns, column) ? columns[column] : undefined;
  if (!spec)
    throw new DataQueryError(`Unknown column "${column}" of ${table}; columns: ${Object.keys(columns).join(', ')}`);
  return spec;
}

/** A filter value as the column's type, or a DataQueryError saying what was expected. */
function coerce(column: string, spec: ColumnSpec, value: unknown): unknown {
  const fail = (expected: string) =>
    new DataQueryError(`Filter on ${column} needs ${expected}, got ${JSON.stringify(value)}`);
  switch (spec.type) {
    case 'uuid':
      if (!isUuid(value)) throw fail('a uuid');
      return value;
    case 'integer': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw fail('an integer');
      return n;
    }
    case 'timestamp': {
      if ((typeof value !== 'string' && typeof value !== 'number') || Number.isNaN(new Date(value).getTime())) {
        throw fail('a date or time (ISO 8601)');
      }
      return new Date(value).toISOString();
    }
    case 'text':
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw fail('text');
      return String(value);
    case 'json':
      throw fail('contains or is_null (metadata is JSON)');
  }
}

function applyFilter(
  query: Knex.QueryBuilder,
  table: string,
  columns: Record<string, ColumnSpec>,
  filter: DataFilter
): void {
  const spec = columnOf(table, columns, filter.column);
  const column = filter.column;
  switch (filter.op as FilterOp) {
    case 'eq':
      return void query.where(column, coerce(column, spec, filter.value) as Knex.Value);
    case 'neq':
      return void query.where((q) =>
        q.whereNot(column, coerce(column, spec, filter.value) as Knex.Value).orWhereNull(column)
      );
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const operator = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[filter.op as 'gt'];
      return void query.where(column, operator, coerce(column, spec, filter.value) as Knex.Value);
    }
    case 'in': {
      if (!Array.isArray(filter.value) || filter.value.length === 0 || filter.value.length > 100) {
        throw new DataQueryError(`Filter "in" on ${column} needs a list of 1 to 100 values`);
      }
      return void query.whereIn(column, filter.value.map((v: unknown) => coerce(column, spec, v)) as Knex.Value[]);
    }
    case 'contains':
      if (spec.type === 'json') {
        if (!filter.value || typeof filter.value !== 'object' || Array.isArray(filter.value)) {
          throw new DataQueryError(`Filter "contains" on ${column} needs a JSON object to match`);
        }
        return void query.whereRaw('?? @> ?::jsonb', [column, JSON.stringify(filter.value)]);
      }
      if (spec.type !== 'text') throw new DataQueryError(`Filter "contains" works on text columns, not ${column}`);
      return void query.whereRaw(`?? ILIKE ? ESCAPE '\\'`, [
        column,
        `%${escapeLike(String(coerce(column, spec, filter.value)))}%`,
      ]);
    case 'is_null': {
      const isNull = filter.value === undefined || filter.value === true || filter.value === 'true';
      return void (isNull ? query.whereNull(column) : query.whereNotNull(column));
    }
    default:
      throw new DataQueryError(`Unknown filter op "${filter.op}"; ops: ${FILTER_OPS.join(', ')}`);
  }
}

function trimRow(
  row: Record<string, unknown>,
  columns: Record<string, ColumnSpec>
): { row: Record<string, unknown>; cut: boolean } {
  let cut = false;
  const trimmed = Object.fromEntries(
    Object.entries(row).map(([name, value]) => {
      if (columns[name]?.long && typeof value === 'string' && value.length > LONG_TEXT_MAX_CHARS) {
        cut = true;
        return [
          name,
          `${value.slice(0, LONG_TEXT_MAX_CHARS)}…[cut: ${value.length - LONG_TEXT_MAX_CHARS} more characters]`,
        ];
      }
      return [name, value];
    })
  );
  return { row: trimmed, cut };
}

/**
 * Reads the owner's rows of one table. The owner is always the caller's: whatever the query names,
 * `owner_id` is not a column it can see or filter on. Values go in as bindings, names are checked
 * against the catalogue first, so nothing the caller sends becomes SQL.
 */
export async function queryData(db: Queryable, ownerId: string, query: DataQuery): Promise<DataQueryResult> {
  const columns = tableOf(query.table);
  const table = query.table as DataTableName;
  const limit = query.limit ?? QUERY_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > QUERY_LIMIT_MAX) {
    throw new DataQueryError(`limit must be 1 to ${QUERY_LIMIT_MAX}`);
  }
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new DataQueryError('offset must be 0 or more');
  const selected = query.columns?.length ? query.columns : Object.keys(columns);
  for (const column of selected) columnOf(table, columns, column);

  const builder = db(table).where('owner_id', ownerId);
  for (const filter of query.filters ?? []) applyFilter(builder, table, columns, filter);
  if (query.countOnly) {
    const counted: unknown = await builder.count({ count: '*' }).first();
    return {
      rows: [],
      row_count: Number((counted as { count?: string | number } | undefined)?.count ?? 0),
      truncated: false,
    };
  }
  const order = query.orderBy ?? { column: DEFAULT_ORDER[table], direction: 'desc' };
  const orderSpec = columnOf(table, columns, order.column);
  if (!ORDERABLE.includes(orderSpec.type)) throw new DataQueryError(`Cannot order by ${order.column}`);
  const direction = (order.direction ?? 'asc').toLowerCase();
  if (direction !== 'asc' && direction !== 'desc') throw new DataQueryError('order_by.direction must be asc or desc');

  const rows = (await builder
    .select(selected)
    .orderBy(order.column, direction, direction === 'desc' ? 'last' : 'first')
    .orderBy('id', direction)
    .limit(limit + 1)
    .offset(offset)) as Array<Record<string, unknown>>;
  const page = rows.slice(0, limit).map((row) => trimRow(row, columns));
  const cut = page.some((r) => r.cut);
  return {
    rows: page.map((r) => r.row),
    row_count: page.length,
    truncated: rows.length > limit,
    ...(cut
      ? { note: `Long text was cut to ${LONG_TEXT_MAX_CHARS} characters; select fewer rows or columns to read more.` }
      : {}),
  };
}

/** Ids among `ids` that the owner does not have in `table`. */
export async function missingIds(
  db: Queryable,
  ownerId: string,
  table: DataTableName,
  ids: string[]
): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const found = await db(table).where('owner_id', ownerId).whereIn('id', unique).pluck('id');
  const present = new Set(found as string[]);
  return new Set(unique.filter((id) => !present.has(id)));
}

/** Inserts validated rows for the owner (inside the caller's transaction); returns their ids. */
export async function insertRows(
  db: Queryable,
  ownerId: string,
  table: DataTableName,
  rows: Array<Record<string, unknown>>
): Promise<string[]> {
  const prepared = rows.map((row) => ({
    ...row,
    ...(row.metadata !== undefined ? { metadata: JSON.stringify(row.metadata) } : {}),
    owner_id: ownerId,
  }));
  const ids: string[] = [];
  for (let i = 0; i < prepared.length; i += 500) {
    const inserted: Array<{ id: string }> = await db(table)
      .insert(prepared.slice(i, i + 500))
      .returning('id');
    ids.push(...inserted.map((r) => r.id));
  }
  return ids;
}
