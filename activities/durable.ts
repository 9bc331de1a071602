import { log } from '@temporalio/activity';
import { isDatabaseUnavailable } from '../db/errors';

const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 5000;

/**
 * Records the outcome of an effect that already happened outside Postgres (an email accepted by
 * SMTP, a request a server answered): retries the write inside this attempt, while the activity
 * heartbeats, until Postgres answers again. Giving up instead would let the next attempt repeat the
 * effect; now only a worker dying in that window can. Stops if the activity is cancelled.
 */
export async function untilRecorded<T>(what: string, write: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  let wait = FIRST_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || signal?.aborted) throw err;
      if (attempt === 1) log.warn(`Postgres is unreachable; holding on to record ${what}`, { error: String(err) });
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, LONGEST_WAIT_MS);
    }
  }
}
