import type { Knex } from 'knex';

/**
 * `Idempotency-Key`s of run starts: the same key from the same user within 24 h returns the first
 * run; `request_hash` (of genie and input) tells a retry from a different request reusing the key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('run_idempotency_keys', (t) => {
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('key').notNullable();
    t.uuid('genie_id').notNullable();
    t.text('request_hash').notNullable();
    t.uuid('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['owner_id', 'key']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('run_idempotency_keys');
}
