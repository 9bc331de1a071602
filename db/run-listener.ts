import type { Db } from './index';
import { RUN_EVENTS_CHANNEL, type RunEventNotice } from './run-events';

/**
 * Called with the notice that concerns the follower's run, or with none when anything may have
 * changed (the connection was lost and is back: notices said meanwhile are gone).
 */
type Wake = (notice?: RunEventNotice) => void;

interface RawClient {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): void;
  on(event: 'error' | 'end', listener: (err?: Error) => void): void;
  removeAllListeners(): void;
}

/** knex's own way to open a connection outside its pool (a LISTEN connection must stay put). */
interface RawConnections {
  acquireRawConnection(): Promise<RawClient>;
  destroyRawConnection(client: RawClient): Promise<void>;
}

const RECONNECT_MS = 1000;

/**
 * One LISTEN connection per API process on RUN_EVENTS_CHANNEL: wakes whoever follows a run when a
 * step is saved or its status changes, whichever process (worker or API) wrote it, and hands each
 * the notice, in the order Postgres delivered them (Claude's live text travels in the notices
 * themselves). When the connection drops (Postgres restarted), it reconnects and wakes everyone
 * without a notice, so nothing waits on a notification that was lost in between.
 */
export class RunEventListener {
  private readonly followers = new Map<string, Set<Wake>>();
  private client?: RawClient;
  private connecting?: Promise<void>;
  private stopped = false;

  private readonly connections: RawConnections;

  constructor(db: Db) {
    this.connections = db.client as RawConnections;
  }

  /** Calls `wake` with each notice of the run (and without one after a reconnect); returns the function that stops it. */
  follow(runId: string, wake: Wake): () => void {
    let set = this.followers.get(runId);
    if (!set) this.followers.set(runId, (set = new Set()));
    set.add(wake);
    void this.ensureConnected();
    return () => {
      set.delete(wake);
      if (set.size === 0) this.followers.delete(runId);
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      await this.connections.destroyRawConnection(client).catch(() => undefined);
    }
  }

  private wakeAll(): void {
    for (const set of this.followers.values()) for (const wake of set) wake();
  }

  private ensureConnected(): Promise<void> {
    if (this.client || this.stopped) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    try {
      const client = await this.connections.acquireRawConnection();
      client.on('notification', (message) => {
        if (message.channel !== RUN_EVENTS_CHANNEL || !message.payload) return;
        let notice: RunEventNotice;
        try {
          notice = JSON.parse(message.payload) as RunEventNotice;
        } catch {
          return;
        }
        if (!notice || typeof notice.run !== 'string') return;
        for (const wake of this.followers.get(notice.run) ?? []) wake(notice);
      });
      const lost = () => {
        if (this.client !== client) return;
        this.client = undefined;
        client.removeAllListeners();
        void this.connections.destroyRawConnection(client).catch(() => undefined);
        this.retryLater();
      };
      client.on('error', lost);
      client.on('end', lost);
      await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
      if (this.stopped) {
        await this.connections.destroyRawConnection(client).catch(() => undefined);
        return;
      }
      this.client = client;
      this.wakeAll(); // catch up on anything said while nobody listened
    } catch {
      this.retryLater();
    }
  }

  private retryLater(): void {
    if (this.stopped || this.followers.size === 0) return;
    setTimeout(() => void this.ensureConnected(), RECONNECT_MS).unref();
  }
}
