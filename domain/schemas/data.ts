import { DATA_TABLES, type ColumnSpec, type DataTableName } from '../data-tables';
import { z } from './zod';

export const INGEST_MAX_ROWS = 1000;

function columnSchema(spec: ColumnSpec): z.ZodType {
  switch (spec.type) {
    case 'uuid':
      return z.string().uuid();
    case 'text':
      return z.string().max(spec.long ? 1_000_000 : 10_000);
    case 'integer':
      return z.number().int().min(-2_147_483_648).max(2_147_483_647);
    case 'timestamp':
      // Stored as UTC: an offset Postgres would not take (+99:00) or a date that does not exist is a 400.
      return z.iso
        .datetime({ offset: true })
        .or(z.iso.date())
        .refine((value) => !Number.isNaN(Date.parse(value)), 'not a real date or time')
        .transform((value) => new Date(value).toISOString());
    case 'json':
      return z.record(z.string(), z.unknown());
  }
}

/** The ingest schema of one table's rows, from the catalogue: known columns only, required ones present. */
export function rowSchema(table: DataTableName) {
  const shape = Object.fromEntries(
    Object.entries(DATA_TABLES[table]).map(([name, spec]) => {
      const schema = columnSchema(spec);
      if (spec.required) return [name, schema];
      // null for a column the database fills in means "fill it in", as leaving it out does.
      if (spec.defaulted)
        return [
          name,
          schema
            .nullable()
            .optional()
            .transform((value) => value ?? undefined),
        ];
      return [name, schema.nullable().optional()];
    })
  );
  return z.object(shape).strict();
}

export const IngestRowsSchema = z
  .object({ rows: z.array(z.record(z.string(), z.unknown())).min(1).max(INGEST_MAX_ROWS) })
  .strict()
  .openapi('IngestRows');
