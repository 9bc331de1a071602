import type { Knex } from 'knex';

/**
 * Monthly budgets and batch mode. A genie's `monthly_budget_usd` and `model_mode`, an owner's
 * `monthly_budget_usd`; `monthly_spend` sums what each genie's runs cost per UTC month (kept in the
 * statement that bills each model response, so a budget check reads a few rows, not a month of
 * calls); `budget_alerts` records the 80 % and 100 % alerts sent, once per budget and month;
 * `model_batches` the Message Batches a batch-mode run submitted; a run waiting for its budget is
 * `waiting_budget`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.double('monthly_budget_usd').nullable();
    t.text('model_mode').notNullable().defaultTo('realtime');
  });
  await knex.schema.alterTable('users', (t) => {
    t.double('monthly_budget_usd').nullable();
  });
  await knex.schema.createTable('monthly_spend', (t) => {
    t.uuid('owner_id').notNullable();
    t.uuid('genie_id').notNullable();
    /** `YYYY-MM`, UTC. */
    t.text('month').notNullable();
    t.bigInteger('cost_micro_usd').notNullable().defaultTo(0);
    t.primary(['owner_id', 'month', 'genie_id']);
  });
  await knex.raw(`
    INSERT INTO monthly_spend (owner_id, genie_id, month, cost_micro_usd)
    SELECT owner_id, genie_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM'), sum(cost_micro_usd)
      FROM model_calls WHERE cost_micro_usd IS NOT NULL
     GROUP BY 1, 2, 3`);
  await knex.schema.createTable('budget_alerts', (t) => {
    t.uuid('owner_id').notNullable();
    /** Null: the owner's account budget. */
    t.uuid('genie_id').nullable();
    t.text('month').notNullable();
    t.text('level').notNullable();
    t.uuid('run_id').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `CREATE UNIQUE INDEX budget_alerts_once ON budget_alerts
       (owner_id, month, coalesce(genie_id, '00000000-0000-0000-0000-000000000000'::uuid), level)`
  );
  await knex.schema.createTable('model_batches', (t) => {
    t.uuid('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    t.integer('turn').notNullable();
    /** 1 for the first batch of the turn; one more for each resubmission. */
    t.integer('submission').notNullable();
    t.uuid('owner_id').notNullable();
    /** Null until Anthropic answered the submission. */
    t.text('batch_id').nullable();
    t.text('status').notNullable().defaultTo('submitting');
    t.text('result_type').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.primary(['run_id', 'turn', 'submission']);
  });
  await knex.raw('ALTER TABLE runs DROP CONSTRAINT runs_status_check');
  await knex.raw(
    `ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('queued', 'running', 'waiting_approval', 'waiting_budget', 'succeeded', 'failed', 'cancelled', 'timed_out'))`
  );
  await knex.raw(`CREATE INDEX runs_waiting_budget ON runs (owner_id, genie_id) WHERE status = 'waiting_budget'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX runs_waiting_budget');
  await knex.raw(`UPDATE runs SET status = 'running' WHERE status = 'waiting_budget'`);
  await knex.raw('ALTER TABLE runs DROP CONSTRAINT runs_status_check');
  await knex.raw(
    `ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('queued', 'running', 'waiting_approval', 'succeeded', 'failed', 'cancelled', 'timed_out'))`
  );
  await knex.schema.dropTable('model_batches');
  await knex.schema.dropTable('budget_alerts');
  await knex.schema.dropTable('monthly_spend');
  await knex.schema.alterTable('users', (t) => t.dropColumn('monthly_budget_usd'));
  await knex.schema.alterTable('genies', (t) => {
    t.dropColumn('monthly_budget_usd');
    t.dropColumn('model_mode');
  });
}
