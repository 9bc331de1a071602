import { LiveCache, type RunSnapshot } from '../../api/services/live-cache';
import type { RunRow } from '../../db/repositories/runs';

/**
 * The per-process cache of what Temporal says about unfinished runs: one ask per run at most every
 * maxAgeMs, shared by readers at the same time, forgotten when the run ends or nobody reads it.
 */
const run = (id: string, status = 'running') => ({ id, status, workflow_id: `genie-run-${id}` }) as RunRow;
const live = (turn: number) => ({ phase: 'calling_model', turn, current_tools: [], attempt: 1, last_failure: null });

function setup(options: { maxEntries?: number } = {}) {
  let now = 1_000_000;
  const asked: string[] = [];
  let answer: (id: string) => Promise<RunSnapshot> = async () => ({ workflowStatus: 'RUNNING', live: live(1) });
  const cache = new LiveCache(
    (r) => {
      asked.push(r.id);
      return answer(r.id);
    },
    { maxAgeMs: 2_000, idleMs: 60_000, now: () => now, ...options }
  );
  return {
    cache,
    asked,
    tick: (ms: number) => (now += ms),
    answerWith: (fn: typeof answer) => (answer = fn),
  };
}

describe('LiveCache', () => {
  it('shares one ask between readers at the same time', async () => {
    const { cache, asked, answerWith } = setup();
    let release!: () => void;
    answerWith(() => new Promise((resolve) => (release = () => resolve({ workflowStatus: 'RUNNING', live: live(3) }))));
    const readers = Array.from({ length: 20 }, () => cache.live(run('a')));
    release();
    const answers = await Promise.all(readers);
    expect(asked).toEqual(['a']);
    expect(answers.every((a) => a?.turn === 3)).toBe(true);
  });

  it('serves an answer younger than maxAgeMs from memory, and asks again once it is older', async () => {
    const { cache, asked, tick } = setup();
    await cache.live(run('a'));
    tick(1_999);
    await cache.live(run('a'));
    await cache.snapshot(run('a', 'waiting_approval'));
    expect(asked).toEqual(['a']);
    tick(1);
    await cache.live(run('a'));
    expect(asked).toEqual(['a', 'a']);
  });

  it('counts the age from the answer, not from the question', async () => {
    const { cache, asked, tick, answerWith } = setup();
    answerWith(async () => {
      tick(1_500); // a slow Temporal
      return { workflowStatus: 'RUNNING', live: live(1) };
    });
    await cache.live(run('a'));
    answerWith(async () => ({ workflowStatus: 'RUNNING', live: live(2) }));
    tick(1_000);
    expect((await cache.live(run('a')))?.turn).toBe(1);
    expect(asked).toEqual(['a']);
  });

  it('asks again when a queued run starts running, and asks nothing for an ended run', async () => {
    const { cache, asked } = setup();
    await cache.snapshot(run('a', 'queued'));
    expect(await cache.live(run('a', 'queued'))).toBeUndefined();
    await cache.live(run('a', 'running'));
    expect(asked).toEqual(['a', 'a']);
    expect(await cache.snapshot(run('a', 'succeeded'))).toEqual({});
    expect(cache.size).toBe(0);
    expect(asked).toEqual(['a', 'a']);
  });

  it('keeps a failed ask for maxAgeMs too, as nothing known', async () => {
    const { cache, asked, answerWith } = setup();
    answerWith(() => Promise.reject(new Error('Temporal away')));
    expect(await cache.snapshot(run('a'))).toEqual({});
    expect(await cache.snapshot(run('a'))).toEqual({});
    expect(asked).toEqual(['a']);
  });

  it('forgets runs nobody read for a while, and holds at most maxEntries', async () => {
    const { cache, tick } = setup({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) await cache.snapshot(run(id));
    expect(cache.size).toBe(3);
    tick(30_000);
    await cache.snapshot(run('d'));
    tick(30_000);
    await cache.snapshot(run('e')); // b and c were read 60 s ago
    expect(cache.size).toBe(2);
    cache.forget('d');
    expect(cache.size).toBe(1);
  });
});
