import type { Knex } from 'knex';

/**
 * Rate-limit counters are written on every API request, all of one key's to one row: logged, each
 * write held that row until its WAL flush, so one key's requests were counted one flush at a time
 * (about 2,000 a second at most on a 2-core machine, against over 13,000 unlogged). The counters
 * only matter for a minute: a Postgres crash (not a clean restart) empties an unlogged table, which
 * starts every window afresh, and standbys do not have them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE rate_limits SET UNLOGGED');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE rate_limits SET LOGGED');
}
