import type { Knex } from 'knex';

/**
 * Each step gets its place in the run (`seq`, 1, 2, 3 …) when it is saved, under a per-run lock, so
 * seq order is commit order: the run stream can replay `seq > Last-Event-ID` and then follow new
 * steps without dropping or repeating one. Existing steps are numbered in the order they happened.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_steps', (t) => t.integer('seq'));
  await knex.raw(`
    UPDATE run_steps s SET seq = numbered.n
    FROM (SELECT id, row_number() OVER (PARTITION BY run_id ORDER BY started_at, id) AS n FROM run_steps) numbered
    WHERE s.id = numbered.id`);
  await knex.raw('ALTER TABLE run_steps ALTER COLUMN seq SET NOT NULL');
  await knex.schema.alterTable('run_steps', (t) => t.unique(['run_id', 'seq']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_steps', (t) => {
    t.dropUnique(['run_id', 'seq']);
    t.dropColumn('seq');
  });
}
