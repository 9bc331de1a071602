import { CancellationScope, condition } from '@temporalio/workflow';

/** What the deadline watches: whether the run waits for its owner, and how long it has so far. */
export interface PausingClock {
  readonly waiting: boolean;
  readonly pausedMs: number;
}

/**
 * Runs `fn` under the run's deadline: RUN_TIMEOUT_MS of working time, the clock stopped while an
 * approval is pending. Past it, `fn` is cancelled (and the run records `timed_out`).
 */
export async function withWorkingDeadline<T>(
  approvals: PausingClock,
  deadlineMs: number,
  fn: () => Promise<T>
): Promise<T> {
  const startedAt = Date.now();
  const scope = new CancellationScope();
  let finished = false;
  const work = scope.run(fn).finally(() => {
    finished = true;
  });
  const watch = (async () => {
    while (!finished) {
      if (approvals.waiting) {
        await condition(() => finished || !approvals.waiting);
        continue;
      }
      const left = startedAt + deadlineMs + approvals.pausedMs - Date.now();
      if (left <= 0) return scope.cancel();
      await condition(() => finished || approvals.waiting, left);
    }
  })();
  watch.catch(() => undefined); // cancelled with the run
  return work;
}
