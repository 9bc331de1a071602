import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import { toModelFailure } from '../../activities/anthropic';
import { LiveText, splitForNotify } from '../../activities/live-text';
import { NOTIFY_PAYLOAD_LIMIT, type RunEventNotice } from '../../db/run-events';
import type { Db } from '../../db';

/**
 * Claude's live text on its way out: batched, in order, each notice under Postgres's NOTIFY limit,
 * and a publish that fails never fails the caller.
 */
const RUN = '6f1c0d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f';
const bytes = (notice: RunEventNotice) => Buffer.byteLength(JSON.stringify(notice), 'utf8');
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('splitForNotify', () => {
  it('keeps text whole when it fits, and splits large text into pieces that join to it again', () => {
    expect(splitForNotify('hello')).toEqual(['hello']);
    expect(splitForNotify('')).toEqual([]);
    const large = 'ab"\\\n\u0001é€😀'.repeat(3000);
    const pieces = splitForNotify(large);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(large);
    for (const delta of pieces) {
      expect(bytes({ run: RUN, text: { turn: 999, attempt: 10, delta } })).toBeLessThan(NOTIFY_PAYLOAD_LIMIT);
    }
  });

  it('never splits a character in two (a surrogate pair stays together)', () => {
    const pieces = splitForNotify('😀'.repeat(10), 8);
    expect(pieces).toEqual(['😀😀', '😀😀', '😀😀', '😀😀', '😀😀']);
  });
});

describe('LiveText', () => {
  const db = undefined as unknown as Db;

  it('sends deltas in batches, in order, and flush sends the rest before it resolves', async () => {
    const sent: RunEventNotice[] = [];
    const live = new LiveText(db, {
      runId: RUN,
      turn: 2,
      attempt: 1,
      batchMs: 30,
      publish: async (notice) => {
        await tick(5); // a slow Postgres: the next waits for this one
        sent.push(notice);
      },
    });
    live.write('Hello');
    live.write(', ');
    await tick(60);
    live.write('world');
    await live.flush();
    expect(sent).toEqual([
      { run: RUN, text: { turn: 2, attempt: 1, delta: 'Hello, ' } },
      { run: RUN, text: { turn: 2, attempt: 1, delta: 'world' } },
    ]);
    expect(live.wrote).toBe(true);
  });

  it('says an attempt is void after what it sent, dropping what waited', async () => {
    const sent: RunEventNotice[] = [];
    const live = new LiveText(db, {
      runId: RUN,
      turn: 1,
      attempt: 2,
      batchMs: 1000,
      publish: async (n) => void sent.push(n),
    });
    live.reset(1);
    live.write('never sent');
    live.reset(2);
    await live.flush();
    expect(sent).toEqual([
      { run: RUN, text_reset: { turn: 1, attempt: 1 } },
      { run: RUN, text_reset: { turn: 1, attempt: 2 } },
    ]);
  });

  it('tells a failed publish once, sends no more text after it, and never throws', async () => {
    const failures: unknown[] = [];
    const sent: RunEventNotice[] = [];
    let calls = 0;
    const live = new LiveText(db, {
      runId: RUN,
      turn: 1,
      attempt: 1,
      batchMs: 1,
      onError: (err) => failures.push(err),
      publish: async (notice) => {
        if (++calls === 2) throw new Error('Postgres is away');
        sent.push(notice);
      },
    });
    live.write('a');
    await tick(20);
    live.write('b');
    await tick(20);
    live.write('c');
    live.reset(1);
    await expect(live.flush()).resolves.toBeUndefined();
    expect(failures).toHaveLength(1);
    expect(sent).toEqual([
      { run: RUN, text: { turn: 1, attempt: 1, delta: 'a' } },
      { run: RUN, text_reset: { turn: 1, attempt: 1 } },
    ]);
  });
});

describe('a streamed reply that breaks off', () => {
  it('is a retryable ModelUnavailable when the connection drops half-way', () => {
    const failure = toModelFailure(new Anthropic.AnthropicError('terminated')) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'ModelUnavailable', nonRetryable: false });
    expect(failure.message).toContain('terminated');
  });

  it('is retryable, by its type, when an error event comes instead of the rest', () => {
    const event = (type: string) =>
      new Anthropic.APIError(undefined, { type: 'error', error: { type, message: 'busy' } }, undefined, new Headers());
    expect(toModelFailure(event('overloaded_error'))).toMatchObject({ type: 'ModelOverloaded', nonRetryable: false });
    expect(toModelFailure(event('api_error'))).toMatchObject({ type: 'ModelUnavailable', nonRetryable: false });
  });

  it('leaves an abort (a cancelled activity) as it is', () => {
    const abort = new Anthropic.APIUserAbortError();
    expect(toModelFailure(abort)).toBe(abort);
  });
});
