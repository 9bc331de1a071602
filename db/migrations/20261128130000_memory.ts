import type { Knex } from 'knex';

/**
 * Durable memory for genies: `genie` scope (one genie's notes) or `account` scope (shared by all of
 * an owner's genies). Each row records the run and tool call that last wrote it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('memory', (t) => {
    t.bigIncrements('id');
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('scope').notNullable();
    // Null for account scope; a genie's memory goes with the genie.
    t.uuid('genie_id').references('genies.id').onDelete('CASCADE');
    t.text('key').notNullable();
    t.jsonb('value').notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.uuid('written_by_run_id');
    t.text('written_by_tool_use_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE memory ADD CONSTRAINT memory_scope_check CHECK (
    (scope = 'genie' AND genie_id IS NOT NULL) OR (scope = 'account' AND genie_id IS NULL))`);
  await knex.raw(`CREATE UNIQUE INDEX memory_genie_key_idx ON memory (owner_id, genie_id, key) WHERE scope = 'genie'`);
  await knex.raw(`CREATE UNIQUE INDEX memory_account_key_idx ON memory (owner_id, key) WHERE scope = 'account'`);
  // Prefix listing: key LIKE 'prefix%' uses a text_pattern_ops index.
  await knex.raw(`CREATE INDEX memory_key_prefix_idx ON memory (owner_id, scope, key text_pattern_ops)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('memory');
}
