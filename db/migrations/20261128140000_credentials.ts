import type { Knex } from 'knex';

/** Stored credentials: the secret only as vault ciphertext (AES-256-GCM, key id inside). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('credentials', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('credential_type').notNullable();
    t.text('header_name');
    t.text('query_param');
    t.jsonb('allowed_hosts').notNullable().defaultTo('[]');
    t.text('hint');
    t.text('ciphertext').notNullable();
    t.text('key_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.unique(['owner_id', 'name']);
    t.index(['key_id']);
  });
  await knex.raw(`ALTER TABLE credentials ADD CONSTRAINT credentials_type_check
    CHECK (credential_type IN ('bearer_token', 'api_key', 'basic_auth', 'custom_header'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('credentials');
}
