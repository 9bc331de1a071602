import type { Db } from '../../db';
import { listSteps } from '../../db/repositories/run-records';
import { findRun } from '../../db/repositories/runs';
import type { RunEventListener } from '../../db/run-listener';
import type { RunEventNotice } from '../../db/run-events';
import { isTerminal, type RunTextDelta, type RunTextReset } from '../../domain/runs';
import { NotFoundError } from '../errors';
import { presentApproval, presentRun, presentStep, type RunLinks } from '../../db/presenters';
import { listRunApprovals } from '../../db/repositories/approvals';
import { isActive, type LiveCache, type RunLive } from './live-cache';
import type { StreamSlots } from './stream-slots';

export interface RunStreamTimings {
  /** A comment line at least this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** Besides notifications, look again this often (a notification lost in a reconnect is never missed for long). */
  pollMs: number;
  /**
   * While the run is running, its live state (phase, tools, retries) is looked at this often, and
   * sent when it changed; it is also how old the process's LiveCache lets a run's live state get.
   */
  liveMs: number;
}

export const DEFAULT_STREAM_TIMINGS: RunStreamTimings = { heartbeatMs: 15_000, pollMs: 5_000, liveMs: 2_000 };

/** One event of a run's stream, as the SSE writer frames it: `event`, `data` (JSON) and, for steps, `id`. */
export type RunStreamEvent =
  | { event: 'status' | 'end'; data: ReturnType<typeof presentRun> }
  | { event: 'run'; data: RunState }
  | { event: 'step'; id: number; data: ReturnType<typeof presentStep> }
  | { event: 'approval'; data: ReturnType<typeof presentApproval> }
  | LiveTextEvent
  | { event: 'error'; data: { code: string; message: string } };

/** Claude's text as it is written (no id: live only, never replayed), or an attempt's text to drop. */
type LiveTextEvent = { event: 'text'; data: RunTextDelta } | { event: 'text_reset'; data: RunTextReset };

/** The live text a notice carries, as a stream event; undefined for a notice that says something changed. */
function liveTextOf(notice: RunEventNotice | undefined): LiveTextEvent | undefined {
  if (notice?.text) {
    const { turn, attempt, delta } = notice.text;
    return { event: 'text', data: { turn, attempt, delta } };
  }
  if (notice?.text_reset) {
    const { turn, attempt } = notice.text_reset;
    return { event: 'text_reset', data: { turn, attempt } };
  }
  return undefined;
}

/** The live text queued so far, in order; text of a turn whose model step was sent is late, and dropped. */
function* liveTexts(texts: LiveTextEvent[], sent: Sent): Generator<LiveTextEvent, void, undefined> {
  while (texts.length > 0) {
    const text = texts.shift()!;
    if (text.data.turn > sent.modelTurn) yield text;
  }
}

/** The run (without steps) and what it is doing now: null when it is not running or nothing is known yet. */
export type RunState = ReturnType<typeof presentRun> & { live: RunLive | null };

export interface RunStreamRequest {
  ownerId: string;
  /** The caller's API key: it holds a stream slot while the stream is open. */
  apiKeyId: string;
  runId: string;
  /** Steps up to this seq are not sent again (`Last-Event-ID`); 0 for all. */
  afterSeq: number;
}

/** What a stream has sent so far. */
interface Sent {
  lastSeq: number;
  /** The highest turn whose model step was sent: live text of it (or before) comes too late and is dropped. */
  modelTurn: number;
  status?: string;
  /** The last `run` event's data, serialized (a new one goes out only when it differs). */
  state: string;
  /** Approval id → the status last sent. */
  approvals: Map<string, string>;
}

/** A latch: `wake` ends the current `wait` early, or the next one at once when nobody waits. */
class Wakeup {
  private pending = false;
  private resolve?: () => void;

  readonly wake = (): void => {
    this.pending = true;
    this.resolve?.();
  };

  async wait(ms: number): Promise<void> {
    if (!this.pending) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.resolve = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.resolve = undefined;
    }
    this.pending = false;
  }
}

/**
 * `GET /v1/runs/{id}/stream`: the run as a sequence of events. `status` on connect and on every
 * status change, every `step` in seq order (those saved before the connection included; its id is
 * the seq, so `Last-Event-ID` resumes after it), each `approval` when requested and when settled,
 * `run` (the run with its `live` state, one event a reader renders as it comes) on connect and
 * whenever either changed while the run is not over (live comes from the LiveCache, never asked of
 * Temporal per stream), and `end` with the final run, after which the sequence ends (or `error`,
 * when the caller's key is revoked). Steps are read from Postgres each time the run is announced
 * (LISTEN/NOTIFY) and every `pollMs`, always from the last seq sent: replay and live never drop or
 * repeat one. Claude's text as it is written comes in the notices themselves (`text`, and
 * `text_reset` when an attempt's text is void): sent as it arrives, before anything read after it,
 * never after the model step of its turn, never replayed. Framing them as Server-Sent Events is
 * `api/sse.ts`'s job.
 */
export class RunStreamService {
  constructor(
    private readonly db: Db,
    private readonly listener: RunEventListener,
    private readonly liveCache: LiveCache,
    private readonly links: RunLinks,
    private readonly slots: StreamSlots,
    readonly timings: RunStreamTimings = DEFAULT_STREAM_TIMINGS
  ) {}

  /**
   * The run's events for the caller's API key, which may hold MAX_STREAMS_PER_KEY streams at once.
   * Before the first event it throws 404 (no such run) or 429 (no slot left); afterwards it never
   * throws, and it ends after `end`, after `error` (the key was revoked), when the run is deleted,
   * or when `signal` aborts (the client went away). Ending it in any way frees the slot.
   */
  async *events(request: RunStreamRequest, signal?: AbortSignal): AsyncGenerator<RunStreamEvent, void, undefined> {
    const { ownerId, apiKeyId, runId } = request;
    if (!(await findRun(this.db, ownerId, runId))) throw new NotFoundError('Run');
    if (signal?.aborted) return;
    const slot = await this.slots.claim(apiKeyId);
    const wakeup = new Wakeup();
    let revoked = false;
    slot.onRevoked(() => {
      revoked = true;
      wakeup.wake();
    });
    // Notices that carry live text queue it; any other notice (or none: a reconnect) means "look again".
    const texts: LiveTextEvent[] = [];
    let changed = true;
    const unfollow = this.listener.follow(runId, (notice) => {
      const text = liveTextOf(notice);
      if (text) texts.push(text);
      else changed = true;
      wakeup.wake();
    });
    signal?.addEventListener('abort', wakeup.wake);
    const sent: Sent = { lastSeq: request.afterSeq, modelTurn: 0, state: '', approvals: new Map() };
    let due = 0;
    try {
      while (!signal?.aborted) {
        if (revoked) {
          yield { event: 'error', data: { code: 'unauthorized', message: 'The API key of this stream was revoked.' } };
          return;
        }
        yield* liveTexts(texts, sent);
        if (changed || Date.now() >= due) {
          changed = false;
          let outcome: 'open' | 'ended' | 'gone' = 'open';
          try {
            outcome = yield* this.changes(ownerId, runId, sent, texts);
          } catch {
            // Postgres away: the next look tries again
          }
          if (outcome !== 'open') return; // ended, or deleted with its genie
          const active = sent.status !== undefined && isActive(sent.status);
          due = Date.now() + (active ? Math.min(this.timings.liveMs, this.timings.pollMs) : this.timings.pollMs);
        }
        // Live text wakes the loop without a look at Postgres: the next look stays when it was due.
        await wakeup.wait(Math.max(0, due - Date.now()));
      }
    } finally {
      signal?.removeEventListener('abort', wakeup.wake);
      unfollow();
      void slot.release();
    }
  }

  /**
   * What changed since `sent`, as events (updating `sent`); whether the run is still going. The live
   * text that arrived meanwhile goes out before each step (it was said before the step was saved).
   */
  private async *changes(
    ownerId: string,
    runId: string,
    sent: Sent,
    texts: LiveTextEvent[]
  ): AsyncGenerator<RunStreamEvent, 'open' | 'ended' | 'gone', undefined> {
    const run = await findRun(this.db, ownerId, runId);
    if (!run) return 'gone';
    for (const step of await listSteps(this.db, ownerId, runId, sent.lastSeq)) {
      yield* liveTexts(texts, sent);
      yield { event: 'step', id: step.seq, data: presentStep(step) };
      sent.lastSeq = step.seq;
      if (step.kind === 'model') sent.modelTurn = Math.max(sent.modelTurn, step.turn);
    }
    if (run.status !== sent.status) {
      sent.status = run.status;
      yield { event: 'status', data: presentRun(run, this.links) };
    }
    for (const approval of await listRunApprovals(this.db, ownerId, runId)) {
      if (sent.approvals.get(approval.id) === approval.status) continue;
      sent.approvals.set(approval.id, approval.status);
      yield { event: 'approval', data: presentApproval(approval) };
    }
    if (isTerminal(run.status)) {
      yield { event: 'end', data: presentRun(run, this.links) };
      return 'ended';
    }
    // Looked at on every new step and every liveMs: the cache asks Temporal only when its answer is old.
    const state: RunState = { ...presentRun(run, this.links), live: (await this.liveCache.live(run)) ?? null };
    const serialized = JSON.stringify(state);
    if (serialized !== sent.state) {
      sent.state = serialized;
      yield { event: 'run', data: state };
    }
    return 'open';
  }
}
