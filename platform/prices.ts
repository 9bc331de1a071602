// The price table of this deployment: the shipped one (platform/default-prices.ts), or the JSON file
// GENIE_PRICES_FILE names, checked at boot (a file that does not parse stops the process).
import fs from 'node:fs';
import { PriceTableSchema, type PriceTable } from '../domain/prices';
import { DEFAULT_PRICES } from './default-prices';

/** The table in `file`, or what is wrong with it (one line naming the place). */
export function readPriceTable(file: string): { table: PriceTable } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { problem: `is not JSON: ${(err as Error).message}` };
  }
  const parsed = PriceTableSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'the file'}: ${issue.message}`);
    return { problem: `is not a price table ({"items": [{id, input_usd_per_mtok, …}]}): ${issues.join('; ')}` };
  }
  return { table: parsed.data };
}

/** The prices to go by: GENIE_PRICES_FILE's (already checked by the config), else the shipped table. */
export function priceTableFor(file: string | undefined): PriceTable {
  if (!file) return DEFAULT_PRICES;
  const read = readPriceTable(file);
  if ('problem' in read) throw new Error(`GENIE_PRICES_FILE ${read.problem}`);
  return read.table;
}
