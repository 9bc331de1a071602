import type { RunTextDelta, RunTextReset } from '../domain/runs';
import type { Queryable } from './index';

/**
 * The Postgres channel on which saving a step, changing a run's status or an approval is announced
 * (delivered when the transaction commits), and on which Claude's text is sent live while it is
 * written. Every API process LISTENs and wakes the run streams it serves.
 */
export const RUN_EVENTS_CHANNEL = 'genie_run_events';

/**
 * What a notification on RUN_EVENTS_CHANNEL says: which run changed (readers fetch the rest), or,
 * live only (never stored, never replayed), a piece of the text Claude is writing.
 */
export interface RunEventNotice {
  run: string;
  /** The seq of a step just saved. */
  step?: number;
  /** The status a run just took. */
  status?: string;
  /** An approval of the run just requested or settled. */
  approval?: string;
  /** Claude's text as it is written. */
  text?: RunTextDelta;
  /** The text of an abandoned attempt, to drop. */
  text_reset?: RunTextReset;
}

/** Postgres refuses a NOTIFY payload of 8000 bytes or more. */
export const NOTIFY_PAYLOAD_LIMIT = 8000;

export async function announceRunEvent(db: Queryable, notice: RunEventNotice): Promise<void> {
  await db.raw('SELECT pg_notify(?, ?)', [RUN_EVENTS_CHANNEL, JSON.stringify(notice)]);
}
