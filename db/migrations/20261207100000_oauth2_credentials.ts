import type { Knex } from 'knex';

/**
 * OAuth 2.0 credentials: the type `oauth2`, where it refreshes its access token (`token_url`, as the
 * client `client_id`, asking for `scope`), and `status` (`needs_reauth` once the token endpoint
 * refused its refresh token). Its secrets (client secret, refresh token, access token and expiry)
 * are sealed together in `ciphertext`, like every other credential's.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('credentials', (t) => {
    t.text('status').notNullable().defaultTo('ok');
    t.text('token_url');
    t.text('client_id');
    t.text('scope');
  });
  await knex.raw(`ALTER TABLE credentials ADD CONSTRAINT credentials_status_check
    CHECK (status IN ('ok', 'needs_reauth'))`);
  await knex.raw('ALTER TABLE credentials DROP CONSTRAINT credentials_type_check');
  await knex.raw(`ALTER TABLE credentials ADD CONSTRAINT credentials_type_check
    CHECK (credential_type IN ('bearer_token', 'api_key', 'basic_auth', 'custom_header', 'oauth2'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex('credentials').where({ credential_type: 'oauth2' }).delete();
  await knex.raw('ALTER TABLE credentials DROP CONSTRAINT credentials_type_check');
  await knex.raw(`ALTER TABLE credentials ADD CONSTRAINT credentials_type_check
    CHECK (credential_type IN ('bearer_token', 'api_key', 'basic_auth', 'custom_header'))`);
  await knex.raw('ALTER TABLE credentials DROP CONSTRAINT credentials_status_check');
  await knex.schema.alterTable('credentials', (t) => {
    t.dropColumn('scope');
    t.dropColumn('client_id');
    t.dropColumn('token_url');
    t.dropColumn('status');
  });
}
