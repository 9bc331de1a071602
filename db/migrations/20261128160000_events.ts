import type { Knex } from 'knex';

/**
 * Events sent to event-triggered genies. The payload lives here (the inbox workflow's signal
 * carries only the id); `(genie_id, idempotency_key)` is unique, so a repeated send is a duplicate.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('genie_id').notNullable().references('genies.id').onDelete('CASCADE');
    t.text('event_type').notNullable();
    t.jsonb('payload');
    t.text('idempotency_key');
    t.uuid('run_id');
    t.text('status').notNullable().defaultTo('pending');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['genie_id', 'idempotency_key']);
    t.index(['owner_id', 'genie_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('events');
}
