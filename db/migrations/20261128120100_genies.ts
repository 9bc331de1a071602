import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('genies', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('soul_prompt').notNullable();
    t.text('trigger_type').notNullable().defaultTo('manual');
    t.jsonb('schedule');
    t.jsonb('event_types').notNullable().defaultTo('[]');
    t.jsonb('credential_refs').notNullable().defaultTo('[]');
    t.jsonb('tools').notNullable();
    t.text('model');
    t.integer('max_turns').notNullable().defaultTo(20);
    t.integer('max_tokens_per_run');
    t.integer('max_concurrent_runs').notNullable().defaultTo(1);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['owner_id', 'created_at', 'id']);
    t.index(['trigger_type']);
  });
  await knex.raw(
    `ALTER TABLE genies ADD CONSTRAINT genies_trigger_type_check CHECK (trigger_type IN ('manual', 'schedule', 'event'))`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('genies');
}
