// Claude's text as it is written, sent to whoever follows the run: batched, then published with
// pg_notify on the run events channel (each API process LISTENs and hands it to its run streams).
// Outside Temporal: nothing of it is in the activity's result, so history does not grow with it.
import type { Db } from '../db';
import { announceRunEvent, NOTIFY_PAYLOAD_LIMIT, type RunEventNotice } from '../db/run-events';

/** How long text gathers before it is sent (one NOTIFY per batch, not per token). */
const BATCH_MS = 100;

/**
 * The most a delta may take in a notice, JSON-escaped and in UTF-8 bytes: the rest of the notice
 * (run id, turn, attempt, the field names) fits in what is left under Postgres's 8000-byte limit.
 */
const DELTA_BYTES = NOTIFY_PAYLOAD_LIMIT - 400;

/** Bytes a code point takes in a JSON string literal, in UTF-8. */
function jsonBytes(char: string): number {
  const code = char.codePointAt(0)!;
  if (code < 0x20 || char === '"' || char === '\\') return JSON.stringify(char).length - 2;
  // Lone surrogates are escaped (\udxxx) by JSON.stringify.
  if (code >= 0xd800 && code <= 0xdfff) return 6;
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/**
 * `text` in pieces that each take at most `maxBytes` in a notice (JSON-escaped, UTF-8), never
 * splitting a character: joined, they are `text` again.
 */
export function splitForNotify(text: string, maxBytes = DELTA_BYTES): string[] {
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  let index = 0;
  for (const char of text) {
    const size = jsonBytes(char);
    if (bytes + size > maxBytes && index > start) {
      pieces.push(text.slice(start, index));
      start = index;
      bytes = 0;
    }
    bytes += size;
    index += char.length;
  }
  if (index > start) pieces.push(text.slice(start, index));
  return pieces;
}

export interface LiveTextOptions {
  runId: string;
  turn: number;
  /** The model call's activity attempt. */
  attempt: number;
  /** How a notice goes out; default pg_notify through `db`. */
  publish?: (notice: RunEventNotice) => Promise<void>;
  /** Told once when publishing fails (the model call goes on regardless). */
  onError?: (err: unknown) => void;
  batchMs?: number;
}

/**
 * The live text of one model call: `write` gathers deltas and sends them every `batchMs`, in order
 * (each notice after the one before it committed); `reset` says an attempt's text is void; `flush`
 * sends what is left and waits until all of it went out. Publishing never throws: a failure is
 * told to `onError` (once) and the rest of the text is not sent (the step that saves the turn has
 * it whole); the call goes on.
 */
export class LiveText {
  private pending = '';
  private timer?: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();
  private failed = false;
  /** Whether any text of this attempt was written (sent, or waiting to be). */
  wrote = false;

  private readonly publish: (notice: RunEventNotice) => Promise<void>;
  private readonly batchMs: number;

  constructor(
    db: Db,
    private readonly options: LiveTextOptions
  ) {
    this.publish = options.publish ?? ((notice) => announceRunEvent(db, notice));
    this.batchMs = options.batchMs ?? BATCH_MS;
  }

  /** Adds Claude's next piece of text; it goes out with the batch. */
  write(delta: string): void {
    if (!delta) return;
    this.pending += delta;
    this.wrote = true;
    this.timer ??= setTimeout(() => this.sendPending(), this.batchMs);
  }

  /** Says the text of `attempt` (of this turn) is void, after what was sent before; drops what waits. */
  reset(attempt: number): void {
    this.clearTimer();
    this.pending = '';
    this.enqueue({ run: this.options.runId, text_reset: { turn: this.options.turn, attempt } });
  }

  /** Sends what waits, and resolves once everything said so far went out (or failed). */
  async flush(): Promise<void> {
    this.sendPending();
    await this.sending;
  }

  /** Drops what waits for its batch (what was queued before still goes out). */
  close(): void {
    this.clearTimer();
    this.pending = '';
  }

  private sendPending(): void {
    this.clearTimer();
    const text = this.pending;
    this.pending = '';
    if (!text) return;
    const { runId: run, turn, attempt } = this.options;
    for (const delta of splitForNotify(text)) this.enqueue({ run, text: { turn, attempt, delta } });
  }

  private enqueue(notice: RunEventNotice): void {
    this.sending = this.sending.then(() => {
      // Once Postgres failed, more text would only queue up behind it: the text stops (a reset still tries).
      if (this.failed && notice.text) return;
      return this.publish(notice).catch((err: unknown) => {
        if (this.failed) return;
        this.failed = true;
        try {
          this.options.onError?.(err);
        } catch {
          // a logger that throws loses the message, nothing else
        }
      });
    });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
