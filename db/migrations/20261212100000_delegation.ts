import type { Knex } from 'knex';

/**
 * Delegation: a genie's `delegates` (ids of its owner's genies it may ask through `ask_genie`), and
 * on a run asked that way, the run and the tool call that asked it (`parent_run_id`,
 * `parent_tool_use_id`: one child run per call, whatever retries).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.jsonb('delegates').notNullable().defaultTo('[]');
  });
  await knex.schema.alterTable('runs', (t) => {
    t.uuid('parent_run_id').nullable().references('id').inTable('runs').onDelete('SET NULL');
    t.text('parent_tool_use_id').nullable();
  });
  await knex.raw(
    'CREATE UNIQUE INDEX runs_parent_call ON runs (parent_run_id, parent_tool_use_id) WHERE parent_run_id IS NOT NULL'
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS runs_parent_call');
  await knex.schema.alterTable('runs', (t) => {
    t.dropColumn('parent_tool_use_id');
    t.dropColumn('parent_run_id');
  });
  await knex.schema.alterTable('genies', (t) => {
    t.dropColumn('delegates');
  });
}
