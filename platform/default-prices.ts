// The prices Worker Genies goes by unless GENIE_PRICES_FILE names a file of this shape.
// Source: Anthropic's pricing page, https://platform.claude.com/docs/en/about-claude/pricing
// ("Model pricing", "Batch processing", "Prompt caching"), read on 2026-12-05. Cache writes are
// the 5-minute rate (the platform caches for 5 minutes). Claude Haiku 5.5 is priced at its rate
// for prompts up to 100,000 tokens (longer prompts cost 5x); the table has one rate per model.
import type { PriceTable } from '../domain/prices';

export const DEFAULT_PRICES: PriceTable = {
  source: 'https://platform.claude.com/docs/en/about-claude/pricing',
  as_of: '2026-12-05',
  items: [
    {
      id: 'claude-fable-5-1',
      input_usd_per_mtok: 10,
      output_usd_per_mtok: 50,
      cache_write_usd_per_mtok: 12.5,
      cache_read_usd_per_mtok: 0.25,
      batch_discount: 0.5,
    },
    {
      id: 'claude-opus-5-5',
      input_usd_per_mtok: 4,
      output_usd_per_mtok: 20,
      cache_write_usd_per_mtok: 5,
      cache_read_usd_per_mtok: 0.2,
      batch_discount: 0.5,
    },
    {
      id: 'claude-opus-5',
      input_usd_per_mtok: 5,
      output_usd_per_mtok: 25,
      cache_write_usd_per_mtok: 6.25,
      cache_read_usd_per_mtok: 0.5,
      batch_discount: 0.5,
    },
    {
      id: 'claude-opus-4-8',
      input_usd_per_mtok: 5,
      output_usd_per_mtok: 25,
      cache_write_usd_per_mtok: 6.25,
      cache_read_usd_per_mtok: 0.5,
      batch_discount: 0.5,
    },
    {
      id: 'claude-sonnet-5-5',
      input_usd_per_mtok: 2,
      output_usd_per_mtok: 10,
      cache_write_usd_per_mtok: 2.5,
      cache_read_usd_per_mtok: 0.1,
      batch_discount: 0.5,
    },
    {
      id: 'claude-sonnet-5',
      input_usd_per_mtok: 2,
      output_usd_per_mtok: 10,
      cache_write_usd_per_mtok: 2.5,
      cache_read_usd_per_mtok: 0.2,
      batch_discount: 0.5,
    },
    {
      id: 'claude-sonnet-4-6',
      input_usd_per_mtok: 3,
      output_usd_per_mtok: 15,
      cache_write_usd_per_mtok: 3.75,
      cache_read_usd_per_mtok: 0.3,
      batch_discount: 0.5,
    },
    {
      id: 'claude-haiku-5-5',
      input_usd_per_mtok: 0.1,
      output_usd_per_mtok: 0.5,
      cache_write_usd_per_mtok: 0.125,
      cache_read_usd_per_mtok: 0.01,
      batch_discount: 0.5,
    },
    {
      id: 'claude-haiku-4-5',
      input_usd_per_mtok: 1,
      output_usd_per_mtok: 5,
      cache_write_usd_per_mtok: 1.25,
      cache_read_usd_per_mtok: 0.1,
      batch_discount: 0.5,
    },
  ],
  server_tools: { web_search: { usd_per_search: 0.01 } },
};
