// What Claude costs: the price table a deployment goes by, and the cost of one model call. Pure.
// Amounts are kept in micro-dollars (integers: no float drift when runs are summed) and shown in USD.
import { z } from './schemas/zod';
import type { TokenUsage } from './runs';

const usdPerMtok = z.number().min(0).max(10_000);

export const ModelPriceSchema = z
  .object({
    id: z.string().min(1).max(100).openapi({ example: 'claude-sonnet-5-5' }),
    input_usd_per_mtok: usdPerMtok,
    output_usd_per_mtok: usdPerMtok,
    cache_write_usd_per_mtok: usdPerMtok.openapi({ description: 'writing the prompt cache (5-minute)' }),
    cache_read_usd_per_mtok: usdPerMtok,
    batch_discount: z.number().min(0).max(1).openapi({ description: 'taken off a Message Batches call, e.g. 0.5' }),
  })
  .strict()
  .openapi('ModelPrice');
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

/** A price table as a file holds it (`GENIE_PRICES_FILE`): `{"items": […], "server_tools": …}`. */
export const PriceTableSchema = z
  .object({
    items: z
      .array(ModelPriceSchema)
      .max(500)
      .superRefine((items, ctx) => {
        const seen = new Set<string>();
        items.forEach((item, i) => {
          if (seen.has(item.id))
            ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${item.id}" is listed twice` });
          seen.add(item.id);
        });
      }),
    server_tools: z
      .object({ web_search: z.object({ usd_per_search: z.number().min(0).max(100) }).strict() })
      .partial()
      .strict()
      .optional(),
    /** Where the prices come from, and when they were read (informational). */
    source: z.string().max(2000).optional(),
    as_of: z.string().max(100).optional(),
  })
  .strict();
export type PriceTable = z.infer<typeof PriceTableSchema>;

/** How a genie's model calls go: the Messages API, or the Message Batches API (cheaper, slower). */
export const MODEL_MODES = ['realtime', 'batch'] as const;
export type ModelMode = (typeof MODEL_MODES)[number];

/**
 * The cost of one model call in micro-dollars: (input × input price + output × output price +
 * cache writes × write price + cache reads × read price) / 1,000,000, less the batch discount for a
 * batch call; rounded to the micro-dollar.
 */
export function callCostMicroUsd(usage: TokenUsage, price: ModelPrice, mode: ModelMode = 'realtime'): number {
  // USD per million tokens × tokens / 1e6 = USD; × 1e6 = micro-dollars: the two cancel out.
  const full =
    usage.input_tokens * price.input_usd_per_mtok +
    usage.output_tokens * price.output_usd_per_mtok +
    usage.cache_creation_input_tokens * price.cache_write_usd_per_mtok +
    usage.cache_read_input_tokens * price.cache_read_usd_per_mtok;
  return Math.round(mode === 'batch' ? full * (1 - price.batch_discount) : full);
}

/** Micro-dollars as the API shows money: USD, a number. */
export const usdOf = (microUsd: number): number => Math.round(microUsd) / 1_000_000;

/** The price of `model` in `table`, or undefined when it has none. */
export const priceOf = (table: PriceTable, model: string): ModelPrice | undefined =>
  table.items.find((item) => item.id === model);
