import type { Knex } from 'knex';

/**
 * Run webhooks: a genie may name a `webhook_url` and the events it wants; its signing secret is
 * kept sealed (like credentials). Each event to deliver is a row whose id is the `webhook-id` every
 * attempt carries, with the payload fixed when the event happened and how delivery went.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.text('webhook_url');
    t.jsonb('webhook_events')
      .notNullable()
      .defaultTo(JSON.stringify(['run.succeeded', 'run.failed', 'run.cancelled', 'run.timed_out']));
    t.text('webhook_secret_sealed');
  });
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('genie_id').notNullable().references('genies.id').onDelete('CASCADE');
    t.uuid('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    t.uuid('approval_id').references('approvals.id').onDelete('CASCADE');
    t.text('event').notNullable();
    t.text('url').notNullable();
    t.jsonb('payload').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('last_status_code');
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    t.index(['owner_id', 'run_id', 'created_at']);
  });
  // One delivery per run event (per approval for approval.requested), however often it is announced.
  await knex.raw(
    `CREATE UNIQUE INDEX webhook_deliveries_event_once ON webhook_deliveries (run_id, event, coalesce(approval_id, '00000000-0000-0000-0000-000000000000'::uuid))`
  );
  await knex.raw(
    `ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed'))`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.alterTable('genies', (t) => {
    t.dropColumn('webhook_url');
    t.dropColumn('webhook_events');
    t.dropColumn('webhook_secret_sealed');
  });
}
