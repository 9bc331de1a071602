import knex, { type Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from './migrations';

export type Db = Knex;
/** What repository functions take: the pool or a transaction. */
export type Queryable = Knex | Knex.Transaction;

// bigint columns (token counts) as numbers: they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** A knex pool on `url`. Close it with `destroy()`. */
export function createDb(url: string, pool: { min?: number; max?: number } = {}): Db {
  return knex({
    client: 'pg',
    connection: { connectionString: url, application_name: 'worker-genies' },
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
}

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** Resolves when Postgres answers `SELECT 1` within `timeoutMs`. */
export async function pingDb(db: Db, timeoutMs = 2000): Promise<void> {
  await db.raw('SELECT 1').timeout(timeoutMs, { cancel: true });
}
