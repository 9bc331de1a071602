import type { Knex } from 'knex';

/**
 * The run streams (`GET /v1/runs/{id}/stream`) open right now, one row each, so that every API
 * process counts one key's streams together (at most 20 per key). Each process refreshes
 * `seen_at` of its own streams every few seconds; a row it stopped refreshing (the process died)
 * is stale after 30 s and no longer counts. Unlogged: it only describes live connections.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('run_streams', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('api_key_id').notNullable().references('api_keys.id').onDelete('CASCADE');
    t.timestamp('opened_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['api_key_id', 'seen_at']);
  });
  await knex.raw('ALTER TABLE run_streams SET UNLOGGED');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('run_streams');
}
