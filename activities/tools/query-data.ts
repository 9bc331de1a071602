import { z } from 'zod';
import { DataQueryError, FILTER_OPS, QUERY_LIMIT_MAX, queryData } from '../../db/repositories/business-data';
import { DATA_TABLE_NAMES, DATA_TABLES } from '../../domain/data-tables';
import { defineTool, toolError } from './registry';

const tableList = DATA_TABLE_NAMES.map((t) => `${t}(${Object.keys(DATA_TABLES[t]).join(', ')})`).join('; ');

export const queryDataTool = defineTool({
  name: 'query_data',
  description:
    `Query your owner's business tables: ${tableList}. ` +
    `Filters are [{column, op, value}] with op in ${FILTER_OPS.join(', ')} (in: a list; contains: text match, or a JSON object for metadata; is_null: true/false). ` +
    `Returns {rows, row_count, truncated}; limit up to ${QUERY_LIMIT_MAX} (default 20), offset to page, count_only for a count. Long text is cut.`,
  input: z
    .object({
      table: z.enum(DATA_TABLE_NAMES),
      filters: z
        .array(z.object({ column: z.string(), op: z.enum(FILTER_OPS), value: z.json().optional() }).strict())
        .max(20)
        .optional(),
      columns: z.array(z.string()).max(20).optional(),
      order_by: z
        .object({ column: z.string(), direction: z.enum(['asc', 'desc']).default('asc') })
        .strict()
        .optional(),
      limit: z.number().int().min(1).max(QUERY_LIMIT_MAX).default(20),
      offset: z.number().int().min(0).max(100_000).default(0),
      count_only: z.boolean().default(false),
    })
    .strict(),
  summarize: (input) => `query_data ${input.table ?? '?'}${input.count_only ? ' (count)' : ''}`,
  transactional: false,
  async execute(ctx, input) {
    try {
      const result = await queryData(ctx.db, ctx.ownerId, {
        table: input.table,
        filters: input.filters,
        columns: input.columns,
        orderBy: input.order_by,
        limit: input.limit,
        offset: input.offset,
        countOnly: input.count_only,
      });
      return { isError: false, result };
    } catch (err) {
      if (err instanceof DataQueryError) return toolError(err.message);
      throw err;
    }
  },
});
