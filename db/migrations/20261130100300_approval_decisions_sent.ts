import type { Knex } from 'knex';

/**
 * The decision sent to an approval's run: the first caller reserves it, and only that decision
 * (or a retry of it) ever goes to the workflow. A decision that finds no worker is queued in
 * Temporal and may land long after a later, different click would otherwise have raced it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('approvals', (t) => {
    t.text('decision_sent');
    t.timestamp('decision_sent_at', { useTz: true });
  });
  await knex.raw(
    `ALTER TABLE approvals ADD CONSTRAINT approvals_decision_sent_check CHECK (decision_sent IN ('approved', 'denied'))`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('approvals', (t) => {
    t.dropColumn('decision_sent');
    t.dropColumn('decision_sent_at');
  });
}
