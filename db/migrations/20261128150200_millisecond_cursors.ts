import type { Knex } from 'knex';

/**
 * Paginated tables keep `created_at` to the millisecond: the API's cursors carry a JavaScript time
 * (milliseconds), and a microsecond column would make rows within one millisecond fall between pages.
 */
const PAGINATED = ['genies', 'runs', 'notifications'];

export async function up(knex: Knex): Promise<void> {
  for (const table of PAGINATED) {
    await knex.raw(`ALTER TABLE ?? ALTER COLUMN created_at TYPE timestamptz(3)`, [table]);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of PAGINATED) {
    await knex.raw(`ALTER TABLE ?? ALTER COLUMN created_at TYPE timestamptz`, [table]);
  }
}
