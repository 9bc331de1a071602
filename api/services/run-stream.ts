import type { Response } from 'express';
import type { Db } from '../../db';
import { listSteps } from '../../db/repositories/run-records';
import { findRun } from '../../db/repositories/runs';
import type { RunEventListener } from '../../db/run-listener';
import { isTerminal } from '../../domain/runs';
import { NotFoundError } from '../errors';
import { presentApproval, presentRun, presentStep, type RunLinks } from '../../db/presenters';
import { listRunApprovals } from '../../db/repositories/approvals';
import type { RunService } from './runs';
import type { StreamSlots } from './stream-slots';

export interface RunStreamTimings {
  /** A comment line at least this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** Besides notifications, look again this often (a notification lost in a reconnect is never missed for long). */
  pollMs: number;
  /** While the run is running, its live state (phase, tools, retries) is sent when it changes, this often at most. */
  liveMs: number;
}

export const DEFAULT_STREAM_TIMINGS: RunStreamTimings = { heartbeatMs: 15_000, pollMs: 5_000, liveMs: 2_000 };

/**
 * `GET /v1/runs/{id}/stream`: the run as Server-Sent Events. `status` on connect and on every status
 * change, every `step` in seq order (those saved before the connection included; the SSE id is the
 * seq, so `Last-Event-ID` resumes after it), each `approval` when requested and when settled,
 * `live` while the run is running or waiting for an approval, and `end` with the
 * final run, after which the stream closes (or `error`, when the caller's key is revoked). Steps are read from Postgres each time the run is
 * announced (LISTEN/NOTIFY), always from the last seq sent: replay and live never drop or repeat one.
 */
export class RunStreamService {
  constructor(
    private readonly db: Db,
    private readonly listener: RunEventListener,
    private readonly runs: RunService,
    private readonly links: RunLinks,
    private readonly slots: StreamSlots,
    private readonly timings: RunStreamTimings = DEFAULT_STREAM_TIMINGS
  ) {}

  /**
   * Streams the run to `res` for the caller's API key, which may hold MAX_STREAMS_PER_KEY streams at
   * once (429 beyond); the stream sends `error` and closes when that key is revoked.
   */
  async stream(ownerId: string, apiKeyId: string, runId: string, lastEventId: number, res: Response): Promise<void> {
    if (!(await findRun(this.db, ownerId, runId))) throw new NotFoundError('Run');
    const slot = await this.slots.claim(apiKeyId);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown, id?: number) => {
      res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };

    let lastSeq = lastEventId;
    let lastStatus: string | undefined;
    let lastLive = '';
    const approvalsSent = new Map<string, string>(); // id → the status last sent
    let lastLiveAt = 0;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      unfollow();
      clearInterval(heartbeat);
      clearInterval(poll);
      clearInterval(liveTimer);
      res.end();
      void slot.release();
    };
    slot.onRevoked(() => {
      if (closed) return;
      send('error', { code: 'unauthorized', message: 'The API key of this stream was revoked.' });
      close();
    });

    const pump = async () => {
      if (closed) return;
      const run = await findRun(this.db, ownerId, runId);
      if (!run) return close(); // deleted with its genie
      const steps = await listSteps(this.db, ownerId, runId, lastSeq);
      for (const step of steps) {
        send('step', presentStep(step), step.seq);
        lastSeq = step.seq;
      }
      if (run.status !== lastStatus) {
        lastStatus = run.status;
        send('status', presentRun(run, this.links));
      }
      for (const approval of await listRunApprovals(this.db, ownerId, runId)) {
        if (approvalsSent.get(approval.id) === approval.status) continue;
        approvalsSent.set(approval.id, approval.status);
        send('approval', presentApproval(approval));
      }
      if (isTerminal(run.status)) {
        send('end', presentRun(run, this.links));
        return close();
      }
      // A new step means the run moved on (next turn, next tools): its live state is asked for at once.
      const active = run.status === 'running' || run.status === 'waiting_approval';
      if (active && (steps.length > 0 || Date.now() - lastLiveAt >= this.timings.liveMs)) {
        lastLiveAt = Date.now();
        const live = await this.runs.live(run);
        const serialized = JSON.stringify(live);
        if (live && serialized !== lastLive) {
          lastLive = serialized;
          send('live', live);
        }
      }
    };

    // One pump at a time, and a wake during a pump runs one more after it (never concurrently).
    let running = Promise.resolve();
    let queued = false;
    const wake = () => {
      if (queued || closed) return;
      queued = true;
      running = running.then(async () => {
        queued = false;
        await pump().catch(() => undefined); // Postgres away: the next poll tries again
      });
    };

    const unfollow = this.listener.follow(runId, wake);
    const heartbeat = setInterval(() => res.write(': keepalive\n\n'), this.timings.heartbeatMs);
    const poll = setInterval(wake, this.timings.pollMs);
    const liveTimer = setInterval(
      () => (lastStatus === 'running' || lastStatus === 'waiting_approval') && wake(),
      this.timings.liveMs
    );
    res.on('close', close);
    wake();
  }
}
