import type { Knex } from 'knex';

/**
 * Claude's extended thinking per genie (`thinking_budget_tokens`; null: off) and its server-side
 * tools (`server_tools`, `web_search` options); a server tool's use is a step of kind `server_tool`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.integer('thinking_budget_tokens').nullable();
    t.jsonb('server_tools').notNullable().defaultTo('[]');
    t.jsonb('web_search').nullable();
  });
  await knex.raw('ALTER TABLE run_steps DROP CONSTRAINT run_steps_kind_check');
  await knex.raw(
    `ALTER TABLE run_steps ADD CONSTRAINT run_steps_kind_check CHECK (kind IN ('model', 'tool', 'server_tool'))`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DELETE FROM run_steps WHERE kind = 'server_tool'`);
  await knex.raw('ALTER TABLE run_steps DROP CONSTRAINT run_steps_kind_check');
  await knex.raw(`ALTER TABLE run_steps ADD CONSTRAINT run_steps_kind_check CHECK (kind IN ('model', 'tool'))`);
  await knex.schema.alterTable('genies', (t) => {
    t.dropColumn('thinking_budget_tokens');
    t.dropColumn('server_tools');
    t.dropColumn('web_search');
  });
}
