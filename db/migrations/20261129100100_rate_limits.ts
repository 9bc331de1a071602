import type { Knex } from 'knex';

/**
 * Rate-limit counters shared by every API process (rate-limiter-flexible's Postgres store: one row
 * per limited key, its points and when they expire, in ms since the epoch).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
}
