import type { Knex } from 'knex';

/**
 * Evals: a change to a genie tried against its past runs. `evals` holds the change and how it
 * went; each case is a run of its own (`runs.eval_id`, `trigger_type` `eval`) of the genie as it
 * would be with the change (`runs.genie_spec`), answering its tool calls from the recorded results
 * of its baseline run (`runs.baseline_run_id`) where it can. Case runs are listed with their eval,
 * never among the genie's runs; what they cost is the eval's, never a budget's (`model_calls.purpose`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('evals', (t) => {
    t.uuid('id').primary();
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('genie_id').notNullable().references('genies.id').onDelete('CASCADE');
    /** The genie's version when the eval began: `apply` refuses once the genie changed since. */
    t.integer('genie_version').notNullable();
    t.text('status').notNullable().defaultTo('running');
    t.jsonb('changes').notNullable();
    t.text('rubric').nullable();
    t.text('workflow_id').notNullable();
    t.text('error').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.timestamp('applied_at', { useTz: true }).nullable();
    t.index(['owner_id', 'genie_id', 'created_at']);
  });
  await knex.schema.createTable('eval_cases', (t) => {
    t.uuid('eval_id').notNullable().references('evals.id').onDelete('CASCADE');
    /** The case's own run. */
    t.uuid('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    /** The past run it replays (no reference: a deleted run leaves the case explaining it). */
    t.uuid('baseline_run_id').notNullable();
    t.integer('position').notNullable();
    t.integer('score').nullable();
    t.text('reason').nullable();
    t.bigInteger('judge_cost_micro_usd').nullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.primary(['eval_id', 'run_id']);
  });
  await knex.schema.alterTable('runs', (t) => {
    t.uuid('eval_id').nullable();
    t.uuid('baseline_run_id').nullable();
    /** The genie this run runs with when it is not a stored version (an eval's change applied). */
    t.jsonb('genie_spec').nullable();
  });
  await knex.raw('CREATE INDEX runs_eval ON runs (eval_id) WHERE eval_id IS NOT NULL');
  await knex.schema.alterTable('run_steps', (t) => {
    /** In an eval case: where a tool call's answer came from (recorded, live or refused). */
    t.text('source').nullable();
  });
  await knex.schema.alterTable('model_calls', (t) => {
    /** `run`, or `eval` (a case's calls and its judge's): only runs' calls count toward spend and budgets. */
    t.text('purpose').notNullable().defaultTo('run');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('model_calls', (t) => t.dropColumn('purpose'));
  await knex.schema.alterTable('run_steps', (t) => t.dropColumn('source'));
  await knex.raw('DROP INDEX runs_eval');
  await knex.raw(`DELETE FROM runs WHERE eval_id IS NOT NULL`);
  await knex.schema.alterTable('runs', (t) => {
    t.dropColumn('eval_id');
    t.dropColumn('baseline_run_id');
    t.dropColumn('genie_spec');
  });
  await knex.schema.dropTable('eval_cases');
  await knex.schema.dropTable('evals');
}
