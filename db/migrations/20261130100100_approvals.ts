import type { Knex } from 'knex';

/**
 * Approvals: a genie's `approval_required` tool calls wait for their owner. One approval per gated
 * call (`run_id`, `tool_use_id`); while one is pending the run is `waiting_approval`. The owner is
 * told by a notification that names the approval.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.jsonb('approval_required').notNullable().defaultTo('[]');
    t.integer('approval_timeout_seconds').notNullable().defaultTo(86_400);
  });
  await knex.raw('ALTER TABLE runs DROP CONSTRAINT runs_status_check');
  await knex.raw(
    `ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('queued', 'running', 'waiting_approval', 'succeeded', 'failed', 'cancelled', 'timed_out'))`
  );
  await knex.schema.createTable('approvals', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    t.uuid('genie_id').notNullable().references('genies.id').onDelete('CASCADE');
    t.text('tool').notNullable();
    t.text('tool_use_id').notNullable();
    t.jsonb('input');
    t.text('status').notNullable().defaultTo('pending');
    t.text('note');
    /** When it was requested (`requested_at` in the API; named for keyset pagination). */
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('decided_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.unique(['run_id', 'tool_use_id']);
    t.index(['owner_id', 'created_at', 'id']);
    t.index(['owner_id', 'status']);
  });
  await knex.raw(
    `ALTER TABLE approvals ADD CONSTRAINT approvals_status_check CHECK (status IN ('pending', 'approved', 'denied', 'expired'))`
  );
  await knex.schema.alterTable('notifications', (t) =>
    t.uuid('approval_id').references('approvals.id').onDelete('SET NULL')
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => t.dropColumn('approval_id'));
  await knex.schema.dropTable('approvals');
  await knex.raw('ALTER TABLE runs DROP CONSTRAINT runs_status_check');
  await knex.raw(
    `ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'))`
  );
  await knex.schema.alterTable('genies', (t) => {
    t.dropColumn('approval_required');
    t.dropColumn('approval_timeout_seconds');
  });
}
