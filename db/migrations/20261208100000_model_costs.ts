import type { Knex } from 'knex';

/**
 * What Claude cost: one `model_calls` row per response the worker received (keyed by run, turn and
 * activity attempt, so a retried attempt's response counts once more and a replay never does), in
 * micro-dollars (null: the model has no price). A run's `cost_micro_usd` and a model step's are
 * kept with them; spend per genie and per owner is summed from `model_calls`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('model_calls', (t) => {
    t.uuid('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    t.integer('turn').notNullable();
    t.integer('attempt').notNullable();
    t.uuid('owner_id').notNullable();
    t.uuid('genie_id').notNullable();
    t.text('model').notNullable();
    t.text('mode').notNullable().defaultTo('realtime');
    t.bigInteger('input_tokens').notNullable();
    t.bigInteger('output_tokens').notNullable();
    t.bigInteger('cache_read_input_tokens').notNullable();
    t.bigInteger('cache_creation_input_tokens').notNullable();
    t.bigInteger('cost_micro_usd').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['run_id', 'turn', 'attempt']);
    t.index(['owner_id', 'created_at']);
    t.index(['genie_id', 'created_at']);
  });
  await knex.schema.alterTable('runs', (t) => {
    t.bigInteger('cost_micro_usd').nullable();
  });
  await knex.schema.alterTable('run_steps', (t) => {
    t.bigInteger('cost_micro_usd').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_steps', (t) => t.dropColumn('cost_micro_usd'));
  await knex.schema.alterTable('runs', (t) => t.dropColumn('cost_micro_usd'));
  await knex.schema.dropTable('model_calls');
}
