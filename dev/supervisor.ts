import type { ChildHandle } from './processes';

/** A child of the dev stack: how to start it (resolving once it is ready) and restart it. */
export interface ChildSpec {
  name: string;
  /** Starts the child; resolves once it is ready, rejects if it cannot start. */
  start(): Promise<ChildHandle>;
}

export interface RestartPolicy {
  /** First wait before a restart; doubled on each restart in a row, up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** This many restarts of one child within `crashLoopWindowMs` is a crash loop: the stack stops. */
  crashLoopRestarts: number;
  crashLoopWindowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
  crashLoopRestarts: 5,
  crashLoopWindowMs: 60_000,
};

/** Why the stack gave up: a child that kept crashing. */
class CrashLoopError extends Error {
  override name = 'CrashLoopError';
}

interface Supervised {
  spec: ChildSpec;
  handle?: ChildHandle;
  restarts: number[];
  backoffMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps the dev stack's children running: a child that dies is reported in one line and restarted
 * after a backoff (1 s, doubling to 30 s), while the others carry on. A child that crash-loops
 * (5 restarts within 60 s) makes `failed` reject, and the caller stops everything. Children stop
 * in the reverse of the order they started.
 */
export class Supervisor {
  private readonly children: Supervised[] = [];
  private stopping = false;
  private fail!: (err: CrashLoopError) => void;
  /** Rejects when a child crash-loops; never resolves otherwise. */
  readonly failed: Promise<never>;

  constructor(
    private readonly log: (line: string) => void,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY
  ) {
    this.failed = new Promise<never>((_resolve, reject) => (this.fail = reject));
    this.failed.catch(() => undefined); // observed by the caller; no unhandled rejection meanwhile
  }

  /** Starts a child (throws if it cannot start the first time) and watches it from then on. */
  async start(spec: ChildSpec): Promise<ChildHandle> {
    const child: Supervised = { spec, restarts: [], backoffMs: this.policy.initialBackoffMs };
    this.children.push(child);
    child.handle = await spec.start();
    this.watch(child, child.handle);
    return child.handle;
  }

  /** Stops every running child, last started first. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const child of [...this.children].reverse()) await child.handle?.stop();
  }

  private watch(child: Supervised, handle: ChildHandle): void {
    const startedAt = Date.now();
    void handle.exited.then((code) => {
      if (this.stopping || child.handle !== handle) return;
      // A child that ran a good while before dying starts over from the shortest backoff.
      if (Date.now() - startedAt > this.policy.crashLoopWindowMs) child.backoffMs = this.policy.initialBackoffMs;
      void this.restart(child, `exited (${code})`);
    });
  }

  private async restart(child: Supervised, why: string): Promise<void> {
    const { name } = child.spec;
    const now = Date.now();
    child.restarts = [...child.restarts.filter((at) => now - at < this.policy.crashLoopWindowMs), now];
    if (child.restarts.length > this.policy.crashLoopRestarts) {
      this.log(
        `${name} ${why} and keeps crashing (${this.policy.crashLoopRestarts} restarts within ${
          this.policy.crashLoopWindowMs / 1000
        }s); stopping the stack.`
      );
      this.fail(new CrashLoopError(`${name} crash-looped`));
      return;
    }
    const wait = child.backoffMs;
    child.backoffMs = Math.min(child.backoffMs * 2, this.policy.maxBackoffMs);
    this.log(`${name} ${why}; restarting it in ${wait / 1000}s.`);
    await sleep(wait);
    if (this.stopping) return;
    try {
      const handle = await child.spec.start();
      if (this.stopping) {
        await handle.stop();
        return;
      }
      child.handle = handle;
      this.log(`${name} is running again.`);
      this.watch(child, handle);
    } catch (err) {
      if (this.stopping) return;
      await this.restart(child, `did not start (${err instanceof Error ? err.message : String(err)})`);
    }
  }
}
