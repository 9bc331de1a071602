import { Context } from '@temporalio/activity';

/** How often a long activity tells Temporal it is alive (well inside every heartbeatTimeout). */
const HEARTBEAT_EVERY_MS = 3000;

/**
 * Runs `work` while heartbeating, so a dead worker is noticed within the heartbeat timeout (not the
 * start-to-close timeout) and a cancellation reaches the activity; `work` gets the abort signal.
 */
export async function withHeartbeat<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const context = Context.current();
  // No heartbeat at the start: the heartbeat timeout already counts from the start, and a short
  // activity (most are) would pay a round trip to Temporal for nothing.
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work(context.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
