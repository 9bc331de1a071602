import type { Knex } from 'knex';

/** Messages from genies to their owner. One per (run, tool_use_id): a repeated tool call adds none. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('genie_id').references('genies.id').onDelete('SET NULL');
    t.uuid('run_id').references('runs.id').onDelete('SET NULL');
    t.text('tool_use_id');
    t.text('subject').notNullable();
    t.text('message').notNullable();
    t.text('priority').notNullable().defaultTo('normal');
    t.text('channel').notNullable().defaultTo('dashboard');
    t.text('email_status');
    t.text('email_error');
    t.timestamp('email_sent_at', { useTz: true });
    t.timestamp('read_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['run_id', 'tool_use_id']);
    t.index(['owner_id', 'created_at', 'id']);
    t.index(['owner_id', 'read_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notifications');
}
