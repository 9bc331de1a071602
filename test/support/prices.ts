import type { PriceTable } from '../../domain/prices';

/**
 * The price table of the cost tests: test-model at $2 in, $10 out, $2.50 cache write and $0.10
 * cache read per million tokens; the stacks' default model (claude-sonnet-5-5) has no price here.
 */
export const TEST_PRICES: PriceTable = {
  items: [
    {
      id: 'test-model',
      input_usd_per_mtok: 2,
      output_usd_per_mtok: 10,
      cache_write_usd_per_mtok: 2.5,
      cache_read_usd_per_mtok: 0.1,
      batch_discount: 0.5,
    },
  ],
};

/** A scripted reply's usage (the fake model reports it as given). */
export const usage = (input: number, output: number, cacheWrite = 0, cacheRead = 0) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: cacheWrite,
  cache_read_input_tokens: cacheRead,
});
