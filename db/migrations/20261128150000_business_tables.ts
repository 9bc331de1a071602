import type { Knex } from 'knex';

/**
 * The account's business tables (query_data, /v1/data). Every row belongs to one owner; references
 * between tables are composite `(owner_id, x_id)` foreign keys, so a row can only point at rows of
 * its own owner, whatever ids a caller sends.
 */
export async function up(knex: Knex): Promise<void> {
  const base = (t: Knex.CreateTableBuilder) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.unique(['owner_id', 'id']);
  };
  const now = () => knex.fn.now();

  await knex.schema.createTable('agents', (t) => {
    base(t);
    t.text('name').notNullable();
    t.text('kind');
    t.text('status');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(now());
    t.index(['owner_id', 'status']);
    t.index(['owner_id', 'created_at']);
  });
  await knex.schema.createTable('leads', (t) => {
    base(t);
    t.text('name').notNullable();
    t.text('email');
    t.text('phone');
    t.text('company');
    t.text('status');
    t.text('source');
    t.integer('score');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(now());
    t.index(['owner_id', 'status']);
    t.index(['owner_id', 'created_at']);
    t.index(['owner_id', 'score']);
    t.index(['owner_id', 'email']);
  });
  await knex.schema.createTable('conversations', (t) => {
    base(t);
    t.uuid('agent_id');
    t.text('channel');
    t.text('contact_name');
    t.text('contact_email');
    t.text('summary');
    t.text('sentiment');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(now());
    t.timestamp('ended_at', { useTz: true });
    t.foreign(['owner_id', 'agent_id']).references(['owner_id', 'id']).inTable('agents');
    t.index(['owner_id', 'agent_id']);
    t.index(['owner_id', 'started_at']);
    t.index(['owner_id', 'sentiment']);
  });
  await knex.schema.createTable('lead_activities', (t) => {
    base(t);
    t.uuid('lead_id').notNullable();
    t.text('type').notNullable();
    t.text('description');
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(now());
    t.foreign(['owner_id', 'lead_id']).references(['owner_id', 'id']).inTable('leads').onDelete('CASCADE');
    t.index(['owner_id', 'lead_id', 'occurred_at']);
    t.index(['owner_id', 'occurred_at']);
  });
  await knex.schema.createTable('call_logs', (t) => {
    base(t);
    t.uuid('agent_id');
    t.uuid('lead_id');
    t.text('direction');
    t.text('from_number');
    t.text('to_number');
    t.integer('duration_seconds');
    t.text('outcome');
    t.text('transcript');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(now());
    t.foreign(['owner_id', 'agent_id']).references(['owner_id', 'id']).inTable('agents');
    t.foreign(['owner_id', 'lead_id']).references(['owner_id', 'id']).inTable('leads');
    t.index(['owner_id', 'lead_id']);
    t.index(['owner_id', 'agent_id']);
    t.index(['owner_id', 'started_at']);
    t.index(['owner_id', 'outcome']);
  });
  await knex.schema.createTable('documents', (t) => {
    base(t);
    t.text('title').notNullable();
    t.text('content');
    t.text('source_url');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(now());
    t.index(['owner_id', 'created_at']);
  });
  await knex.schema.createTable('email_logs', (t) => {
    base(t);
    t.uuid('lead_id');
    t.text('direction');
    t.text('subject');
    t.text('body');
    t.text('to_address');
    t.text('from_address');
    t.text('status');
    t.timestamp('sent_at', { useTz: true }).notNullable().defaultTo(now());
    t.foreign(['owner_id', 'lead_id']).references(['owner_id', 'id']).inTable('leads');
    t.index(['owner_id', 'lead_id']);
    t.index(['owner_id', 'sent_at']);
    t.index(['owner_id', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['email_logs', 'documents', 'call_logs', 'lead_activities', 'conversations', 'leads', 'agents']) {
    await knex.schema.dropTable(table);
  }
}
