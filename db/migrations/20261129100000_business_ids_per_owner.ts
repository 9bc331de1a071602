import type { Knex } from 'knex';

const TABLES = ['agents', 'leads', 'conversations', 'lead_activities', 'call_logs', 'documents', 'email_logs'];

/**
 * Business-row ids are unique per owner, not across owners: another owner's ids can neither be
 * detected (a 409 on a taken id) nor blocked (pre-inserting an id another owner will send). The
 * `(owner_id, id)` unique constraint, which every cross-table reference already points at, stays the
 * row's identity; the global primary key on `id` alone goes.
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of TABLES) {
    await knex.raw('ALTER TABLE ?? DROP CONSTRAINT ??', [table, `${table}_pkey`]);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of TABLES) {
    await knex.raw('ALTER TABLE ?? ADD CONSTRAINT ?? PRIMARY KEY (id)', [table, `${table}_pkey`]);
  }
}
