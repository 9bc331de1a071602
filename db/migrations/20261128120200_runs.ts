import type { Knex } from 'knex';

/**
 * Run history, shaped for the claim-check agent loop (docs/ARCHITECTURE.md): the workflow holds ids
 * and counters; the transcript lives in `run_messages` and full tool results in `run_steps`, both
 * keyed so that a retried activity upserts instead of appending twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('genie_id').notNullable().references('genies.id').onDelete('CASCADE');
    t.text('workflow_id').notNullable().unique();
    t.text('trigger_type').notNullable();
    t.text('status').notNullable().defaultTo('queued');
    t.jsonb('input');
    t.text('output');
    t.jsonb('error');
    t.integer('turns').notNullable().defaultTo(0);
    t.bigInteger('input_tokens').notNullable().defaultTo(0);
    t.bigInteger('output_tokens').notNullable().defaultTo(0);
    t.bigInteger('cache_read_input_tokens').notNullable().defaultTo(0);
    t.bigInteger('cache_creation_input_tokens').notNullable().defaultTo(0);
    t.timestamp('scheduled_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.index(['owner_id', 'created_at', 'id']);
    t.index(['owner_id', 'genie_id', 'created_at', 'id']);
    t.index(['owner_id', 'status']);
  });
  await knex.raw(
    `ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'))`
  );

  // One row per assistant turn (and the opening user message at turn 0). Tool results are not copied
  // here: the next turn's user message is rebuilt from run_steps by tool_use_id.
  await knex.schema.createTable('run_messages', (t) => {
    t.bigIncrements('id');
    t.uuid('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    t.integer('turn').notNullable();
    t.text('role').notNullable();
    t.jsonb('content').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['run_id', 'turn', 'role']);
  });

  // What the run did, step by step: one model step per turn, one tool step per tool_use block.
  await knex.schema.createTable('run_steps', (t) => {
    t.bigIncrements('id');
    t.uuid('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    t.integer('turn').notNullable();
    t.text('kind').notNullable();
    t.text('tool');
    t.text('tool_use_id');
    t.jsonb('input');
    t.jsonb('result');
    t.text('output_preview');
    t.boolean('is_error').notNullable().defaultTo(false);
    t.jsonb('usage');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.integer('duration_ms');
    t.index(['run_id', 'started_at', 'id']);
  });
  await knex.raw(`ALTER TABLE run_steps ADD CONSTRAINT run_steps_kind_check CHECK (kind IN ('model', 'tool'))`);
  await knex.raw(`CREATE UNIQUE INDEX run_steps_model_turn_idx ON run_steps (run_id, turn) WHERE kind = 'model'`);
  await knex.raw(
    `CREATE UNIQUE INDEX run_steps_tool_use_idx ON run_steps (run_id, tool_use_id) WHERE tool_use_id IS NOT NULL`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('run_steps');
  await knex.schema.dropTable('run_messages');
  await knex.schema.dropTable('runs');
}
