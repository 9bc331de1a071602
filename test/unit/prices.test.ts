import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { callCostMicroUsd, priceOf, usdOf, type ModelPrice } from '../../domain/prices';
import { parseConfig } from '../../platform/config';
import { DEFAULT_PRICES } from '../../platform/default-prices';
import { readPriceTable } from '../../platform/prices';
import { TEST_ENCRYPTION_KEYS, TEST_PAYLOAD_KEYS } from '../support/keys';

const sonnet: ModelPrice = {
  id: 'claude-sonnet-5-5',
  input_usd_per_mtok: 2,
  output_usd_per_mtok: 10,
  cache_write_usd_per_mtok: 2.5,
  cache_read_usd_per_mtok: 0.1,
  batch_discount: 0.5,
};
const usage = {
  input_tokens: 1200,
  output_tokens: 300,
  cache_creation_input_tokens: 4000,
  cache_read_input_tokens: 20_000,
};

describe('the cost of a model call', () => {
  it('is each kind of token at its price per million, in micro-dollars', () => {
    // 1200×2 + 300×10 + 4000×2.5 + 20000×0.1 = 2400 + 3000 + 10000 + 2000 = 17400 µ$
    expect(callCostMicroUsd(usage, sonnet)).toBe(17_400);
    expect(usdOf(17_400)).toBe(0.0174);
  });

  it('takes the batch discount off a batch call', () => {
    expect(callCostMicroUsd(usage, sonnet, 'batch')).toBe(8_700);
  });

  it('is nothing for no tokens, and finds prices by model id', () => {
    expect(
      callCostMicroUsd(
        { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        sonnet
      )
    ).toBe(0);
    expect(priceOf(DEFAULT_PRICES, 'claude-sonnet-5-5')).toMatchObject({ input_usd_per_mtok: 2 });
    expect(priceOf(DEFAULT_PRICES, 'no-such-model')).toBeUndefined();
  });
});

describe('GENIE_PRICES_FILE', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prices-'));
  const file = (name: string, text: string) => {
    const where = path.join(dir, name);
    fs.writeFileSync(where, text);
    return where;
  };
  const env = (pricesFile: string) => ({
    GENIE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    GENIE_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    GENIE_PRICES_FILE: pricesFile,
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replaces the shipped table', () => {
    const own = file('ok.json', JSON.stringify({ items: [{ ...sonnet, id: 'my-model', input_usd_per_mtok: 7 }] }));
    expect(parseConfig(env(own)).prices.items).toEqual([{ ...sonnet, id: 'my-model', input_usd_per_mtok: 7 }]);
    expect(
      parseConfig({ GENIE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, GENIE_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS }).prices
    ).toBe(DEFAULT_PRICES);
  });

  it.each([
    ['missing.json', null, /cannot be read \(ENOENT\)/],
    ['broken.json', '{"items": [', /is not JSON/],
    [
      'negative.json',
      JSON.stringify({ items: [{ ...sonnet, output_usd_per_mtok: -1 }] }),
      /items\.0\.output_usd_per_mtok/,
    ],
    ['twice.json', JSON.stringify({ items: [sonnet, sonnet] }), /listed twice/],
    ['extra.json', JSON.stringify({ items: [{ ...sonnet, color: 'red' }] }), /items\.0/],
  ])('refuses %s at boot, naming the file and the problem', (name, text, problem) => {
    const where = text === null ? path.join(dir, name) : file(name, text);
    expect(() => parseConfig(env(where))).toThrow(problem);
    expect(() => parseConfig(env(where))).toThrow(new RegExp(`GENIE_PRICES_FILE .*${name.replace('.', '\\.')}`));
    expect('problem' in readPriceTable(where)).toBe(true);
  });

  it('ships a valid table with the default model in it', () => {
    expect(
      priceOf(
        DEFAULT_PRICES,
        parseConfig({ GENIE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, GENIE_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS }).GENIE_MODEL
      )
    ).toBeDefined();
  });
});
