import type { Knex } from 'knex';

/** A genie's cap on what one run may cost (USD; null: none). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.double('max_cost_per_run_usd').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => t.dropColumn('max_cost_per_run_usd'));
}
