import type { Knex } from 'knex';

/**
 * Genie versions: every update bumps `genies.version` and keeps the genie as it became in
 * `genie_versions`; a run records the version it ran with (`runs.genie_version`) and runs with it,
 * so an old run stays explainable after its genie changes. Existing genies start at version 1.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => t.integer('version').notNullable().defaultTo(1));
  await knex.schema.createTable('genie_versions', (t) => {
    t.uuid('genie_id').notNullable().references('genies.id').onDelete('CASCADE');
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    /** The genie's writable fields as they were at this version. */
    t.jsonb('spec').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['genie_id', 'version']);
  });
  await knex.raw(`
    INSERT INTO genie_versions (genie_id, owner_id, version, spec, created_at)
    SELECT id, owner_id, 1,
      jsonb_build_object(
        'name', name, 'description', description, 'soul_prompt', soul_prompt, 'trigger_type', trigger_type,
        'schedule', schedule, 'event_types', event_types, 'credential_refs', credential_refs, 'tools', tools,
        'model', model, 'max_turns', max_turns, 'max_tokens_per_run', max_tokens_per_run,
        'max_concurrent_runs', max_concurrent_runs, 'enabled', enabled),
      updated_at
    FROM genies`);
  await knex.schema.alterTable('runs', (t) => t.integer('genie_version'));
  await knex.raw(`UPDATE runs SET genie_version = 1`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('runs', (t) => t.dropColumn('genie_version'));
  await knex.schema.dropTable('genie_versions');
  await knex.schema.alterTable('genies', (t) => t.dropColumn('version'));
}
