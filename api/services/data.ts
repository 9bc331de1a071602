import { DataQueryError, insertRows, missingIds, queryData, type DataQuery } from '../../db/repositories/business-data';
import type { Db } from '../../db';
import { DATA_TABLES, DATA_TABLE_NAMES, isDataTable, type DataTableName } from '../../domain/data-tables';
import type { FieldProblem } from '../../domain/schemas/genie';
import { rowSchema } from '../../domain/schemas/data';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { fieldProblems } from '../validation';

function requireTable(table: string): DataTableName {
  if (!isDataTable(table)) throw new NotFoundError(`Table "${table}" (tables: ${DATA_TABLE_NAMES.join(', ')})`);
  return table;
}

/** The account's business data: owner-scoped reads (as query_data) and all-or-nothing ingest. */
export class DataService {
  constructor(private readonly db: Db) {}

  async read(ownerId: string, table: string, query: Omit<DataQuery, 'table'>) {
    requireTable(table);
    try {
      return await queryData(this.db, ownerId, { table, ...query });
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
    // Well-formed, but naming rows the owner does not have: a clash with what is stored (409).
    if (problems.length) throw new ConflictError('Rows refer to rows that do not exist', problems);

    try {
      const ids = await this.db.transaction((trx) => insertRows(trx, ownerId, name, valid));
      return { inserted: ids.length, ids };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '23505') throw new ConflictError('A row with one of these ids already exists.');
      if (code === '23503') throw new ConflictError('Rows refer to rows that do not exist');
      throw err;
    }
  }
}
