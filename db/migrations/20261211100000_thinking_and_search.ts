import type { Knex } from 'knex';

/** Claude's extended thinking per genie (`thinking_budget_tokens`; null: off). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.integer('thinking_budget_tokens').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => t.dropColumn('thinking_budget_tokens'));
}
