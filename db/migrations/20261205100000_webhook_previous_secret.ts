import type { Knex } from 'knex';

/**
 * A rotated webhook signing secret keeps signing for a while (next to the new one), so a receiver
 * can switch secrets without refusing deliveries in between: the previous secret, sealed like the
 * current one, and when it stops.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.text('webhook_previous_secret_sealed');
    t.timestamp('webhook_previous_secret_expires_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.dropColumn('webhook_previous_secret_sealed');
    t.dropColumn('webhook_previous_secret_expires_at');
  });
}
