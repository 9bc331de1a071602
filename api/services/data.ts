import {
  DataQueryError,
  insertRows,
  missingIds,
  queryData,
  type DataFilter,
  FILTER_OPS,
} from '../../db/repositories/business-data';
import type { Db } from '../../db';
import { DATA_TABLES, DATA_TABLE_NAMES, isDataTable, type DataTableName } from '../../lib/data-tables';
import type { FieldProblem } from '../../lib/schemas/genie';
import { rowSchema } from '../../lib/schemas/data';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { fieldProblems } from '../validation';

const RESERVED_PARAMS = new Set(['limit', 'offset', 'order', 'columns', 'count_only']);

function requireTable(table: string): DataTableName {
  if (!isDataTable(table)) throw new NotFoundError(`Table "${table}" (tables: ${DATA_TABLE_NAMES.join(', ')})`);
  return table;
}

/**
 * Query-string filters, as query_data's: `column=op.value` (`status=eq.new`, `score=gte.50`,
 * `status=in.new,contacted`, `phone=is_null.true`), plus `limit`, `offset`, `order=column.desc`,
 * `columns=a,b` and `count_only=true`.
 */
export function parseQueryString(query: Record<string, unknown>) {
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
  return {
    filters,
    limit: number('limit'),
    offset: number('offset'),
    orderBy: order ? { column: order[0]!, direction: order[1] ?? 'asc' } : undefined,
    columns: typeof query.columns === 'string' ? query.columns.split(',').filter(Boolean) : undefined,
    countOnly: query.count_only === 'true',
  };
}

/** The account's business data: owner-scoped reads (as query_data) and all-or-nothing ingest. */
export class DataService {
  constructor(private readonly db: Db) {}

  async read(ownerId: string, table: string, query: Record<string, unknown>) {
    requireTable(table);
    try {
      return await queryData(this.db, ownerId, { table, ...parseQueryString(query) });
    } catch (err) {
      if (err instanceof DataQueryError)
        throw new ValidationError(err.message, [{ field: '(query)', message: err.message }]);
      throw err;
    }
  }

  /** Validates every row (reporting each bad one), checks references are the owner's, inserts all or none. */
  async ingest(ownerId: string, table: string, rows: Array<Record<string, unknown>>) {
    const name = requireTable(table);
    const schema = rowSchema(name);
    const problems: FieldProblem[] = [];
    const valid: Array<Record<string, unknown>> = [];
    rows.forEach((row, index) => {
      const result = schema.safeParse(row);
      if (result.success) valid.push(result.data);
      else
        problems.push(
          ...fieldProblems(result.error).map((p) => ({ field: `rows.${index}.${p.field}`, message: p.message }))
        );
    });
    if (problems.length)
      throw new ValidationError(
        `${new Set(problems.map((p) => p.field.split('.')[1])).size} row(s) are invalid`,
        problems
      );

    for (const [column, spec] of Object.entries(DATA_TABLES[name])) {
      if (!spec.references) continue;
      const ids = valid.map((row) => row[column]).filter((v): v is string => typeof v === 'string');
      const missing = await missingIds(this.db, ownerId, spec.references, ids);
      valid.forEach((row, index) => {
        if (typeof row[column] === 'string' && missing.has(row[column])) {
          problems.push({ field: `rows.${index}.${column}`, message: `no ${spec.references} row with this id` });
        }
      });
    }
    if (problems.length) throw new ValidationError('Rows refer to rows that do not exist', problems);

    try {
      const ids = await this.db.transaction((trx) => insertRows(trx, ownerId, name, valid));
      return { inserted: ids.length, ids };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '23505') throw new ConflictError('A row with one of these ids already exists.');
      if (code === '23503') throw new ValidationError('Rows refer to rows that do not exist', []);
      throw err;
    }
  }
}
