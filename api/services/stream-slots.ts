import type { Db } from '../../db';
import { claimStreamSlot, refreshStreamSlots, releaseStreamSlot } from '../../db/repositories/run-streams';
import { ApiError } from '../errors';

/** Run streams one API key may hold open at once, across every API process. */
export const MAX_STREAMS_PER_KEY = 20;
/** How often a process refreshes its streams and closes those of revoked keys (well within 5 s). */
const STREAM_CHECK_MS = 2_000;

/** An open stream's place: released when the stream ends, `onRevoked` when its key is revoked. */
export interface StreamSlot {
  release(): Promise<void>;
  /** Called at most once, when the key that opened the stream has been revoked. */
  onRevoked(listener: () => void): void;
}

/**
 * The run streams of this API process, counted per API key in Postgres (`run_streams`), so that a
 * key holds at most MAX_STREAMS_PER_KEY across every process. Every STREAM_CHECK_MS the process
 * marks its streams as alive and closes those whose key was revoked meanwhile.
 */
export class StreamSlots {
  private readonly open = new Map<string, { revoked?: () => void }>();
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly db: Db,
    private readonly max = MAX_STREAMS_PER_KEY,
    private readonly checkMs = STREAM_CHECK_MS
  ) {}

  /** A slot for a new stream of `apiKeyId`, or 429 when the key already has `max` open. */
  async claim(apiKeyId: string): Promise<StreamSlot> {
    const id = await claimStreamSlot(this.db, apiKeyId, this.max);
    if (!id) {
      throw new ApiError(
        429,
        'rate_limited',
        `This API key already has ${this.max} run streams open, the most one key may hold; close one first.`
      );
    }
    const entry: { revoked?: () => void } = {};
    this.open.set(id, entry);
    this.timer ??= setInterval(() => void this.check(), this.checkMs).unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.open.delete(id);
        if (this.open.size === 0) this.stopTimer();
        await releaseStreamSlot(this.db, id).catch(() => undefined); // stale in 30 s if Postgres is away
      },
      onRevoked: (listener) => {
        entry.revoked = listener;
      },
    };
  }

  /** Stops checking (the process is shutting down; its rows go stale by themselves). */
  stop(): void {
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    if (this.checking || this.open.size === 0) return;
    this.checking = true;
    try {
      for (const id of await refreshStreamSlots(this.db, [...this.open.keys()])) {
        const entry = this.open.get(id);
        const listener = entry?.revoked;
        if (entry) entry.revoked = undefined;
        listener?.();
      }
    } catch {
      // Postgres away: the next check tries again
    } finally {
      this.checking = false;
    }
  }
}
