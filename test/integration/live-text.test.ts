import { parseKeys } from '../../security/encryption-keys';
import { AesGcmPayloadCodec } from '../../security/payload-codec';
import { reshape, text, toolUse, type FakeReply } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { encryptedPayloadsIn } from '../support/history';
import { TEST_PAYLOAD_KEYS } from '../support/keys';
import { TEST_PRICES, usage } from '../support/prices';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { readRunStream, type StreamRead } from '../support/stream';
import { useStack } from '../support/stack';

/**
 * Live text: Claude's reply streams from the Messages API, and its text reaches the run stream as
 * it is written (`text` events, batched, through NOTIFY), before the step that saves the turn; a
 * call that breaks half-way is retried, its text voided by `text_reset`, and billed once. None of
 * it is in Temporal's history.
 */
const { fake, h, createUser } = useStack({
  harness: { prices: TEST_PRICES },
  worker: { prices: TEST_PRICES },
});
let user: TestUser;

beforeAll(async () => {
  user = await createUser('live-text');
});

type Event = StreamRead['events'][number];
const textsOf = (events: Event[], turn: number, attempt?: number) =>
  events.filter(
    (e) => e.event === 'text' && e.json.turn === turn && (attempt === undefined || e.json.attempt === attempt)
  );
const joined = (events: Event[]) => events.map((e) => e.json.delta as string).join('');
const modelStepIndex = (events: Event[], turn: number) =>
  events.findIndex((e) => e.event === 'step' && e.json.kind === 'model' && e.json.turn === turn);

const FIRST = 'Let me note the zephyr figures before I answer.';
const ANSWER =
  'The zephyr numbers are in: forty two leads this week, nine of them hot, and three want a call on Monday morning. ' +
  'I saved the list so that the next run starts from it.';

/** A reply whose text comes a word at a time, `delayMs` apart (and breaks off after `breakAfterChunks` words). */
const slow = (reply: FakeReply, delayMs: number, breakAfterChunks?: number): FakeReply =>
  reshape(reply, { chunkDelayMs: delayMs, latencyMs: 300, breakAfterChunks });

it('streams each turn’s text as it is written, all of it before the step that saves the turn', async () => {
  const { genie, marker } = await createScriptedGenie(h, user, { model: 'test-model', tools: ['memory_write'] });
  fake.script(marker, [
    slow(toolUse([{ name: 'memory_write', input: { key: 'zephyr', value: 42 } }], { text: FIRST }), 20),
    slow(text(ANSWER, usage(1000, 100)), 40),
  ]);
  const { run_id } = await startRun(h, user, genie.id);
  const read = await readRunStream(`${h.url}/v1/runs/${run_id}/stream`, user.key);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('succeeded');
  expect(read.events.at(-1)!.event).toBe('end');

  for (const [turn, expected] of [
    [1, FIRST],
    [2, ANSWER],
  ] as const) {
    const texts = textsOf(read.events, turn);
    // Batched (about every 100 ms), not one notice per word, nor one for the whole reply.
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.length).toBeLessThan(expected.split(' ').length);
    expect(joined(texts)).toBe(expected);
    expect(texts.every((e) => e.json.attempt === 1 && e.id === undefined)).toBe(true);
    const step = modelStepIndex(read.events, turn);
    expect(step).toBeGreaterThan(-1);
    expect(Math.max(...texts.map((e) => read.events.indexOf(e)))).toBeLessThan(step);
    expect(read.events[step]!.json.output_preview).toContain(expected);
  }
  expect(run.output).toBe(ANSWER);
  expect(read.events.some((e) => e.event === 'text_reset')).toBe(false);
  // Steps keep their ids; text events have none, so Last-Event-ID stays a step's seq.
  expect(read.events.filter((e) => e.event === 'step').map((e) => e.id)).toEqual(['1', '2', '3']);

  // The request streamed; the turn was stored exactly as a non-streamed reply would be.
  const [ask, answer] = fake.requestsFor(marker);
  expect(ask!.body.stream).toBe(true);
  const assistant = answer!.body.messages.find((m: any) => m.role === 'assistant');
  expect(assistant.content).toEqual([
    { type: 'text', text: FIRST },
    { type: 'tool_use', id: expect.any(String), name: 'memory_write', input: { key: 'zephyr', value: 42 } },
  ]);

  // Outside Temporal: no history payload holds any of the text, and callModel's results are as
  // small as ever (stop reason, tool calls, usage, cost).
  const history = await h.temporal.workflow.getHandle(run.workflow_id).fetchHistory();
  const codec = new AesGcmPayloadCodec(parseKeys(TEST_PAYLOAD_KEYS));
  const decoded = (
    await codec.decode(
      encryptedPayloadsIn(history).map((p) => ({ metadata: p.metadata ?? {}, data: p.data ?? new Uint8Array() }))
    )
  ).map((p) => Buffer.from(p.data ?? []).toString('utf8'));
  for (const payload of decoded) expect(payload).not.toContain('zephyr numbers');
  for (const payload of decoded) expect(payload).not.toContain('zephyr figures');
  const modelCalls = new Set(
    (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel')
      .map((e) => Number(e.eventId))
  );
  const results = (history.events ?? []).filter((e) =>
    modelCalls.has(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1))
  );
  expect(results).toHaveLength(2);
  for (const event of results) {
    const [payload] = await codec.decode(
      event.activityTaskCompletedEventAttributes!.result!.payloads!.map((p) => ({
        metadata: p.metadata ?? {},
        data: p.data ?? new Uint8Array(),
      }))
    );
    const turn = JSON.parse(Buffer.from(payload!.data!).toString('utf8'));
    expect(Object.keys(turn).sort()).toEqual(['runCostMicroUsd', 'stopReason', 'toolCalls', 'usage']);
  }
}, 60_000);

it('voids the text of a call that broke half-way, streams the retry’s, and bills the turn once', async () => {
  const { genie, marker } = await createScriptedGenie(h, user, { model: 'test-model' });
  const broken = 'I was about to say something quite different when the line went dead';
  fake.script(marker, [slow(text(broken, usage(5000, 500)), 40, 6), slow(text(ANSWER, usage(1000, 100)), 20)]);
  const { run_id } = await startRun(h, user, genie.id);
  const read = await readRunStream(`${h.url}/v1/runs/${run_id}/stream`, user.key);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('succeeded');
  expect(run.output).toBe(ANSWER);

  const firstTry = textsOf(read.events, 1, 1);
  expect(firstTry.length).toBeGreaterThan(0); // what came before the break was sent…
  expect(broken.startsWith(joined(firstTry))).toBe(true);
  expect(joined(firstTry).length).toBeLessThan(broken.length);
  const reset = read.events.findIndex((e) => e.event === 'text_reset');
  expect(read.events[reset]!.json).toEqual({ turn: 1, attempt: 1 }); // …and then voided
  expect(read.events[reset]!.id).toBeUndefined();
  const retry = textsOf(read.events, 1, 2);
  expect(joined(retry)).toBe(ANSWER);
  expect(Math.min(...retry.map((e) => read.events.indexOf(e)))).toBeGreaterThan(reset);
  expect(Math.max(...retry.map((e) => read.events.indexOf(e)))).toBeLessThan(modelStepIndex(read.events, 1));
  // Every reset there is says attempt 1 (the broken call's own, best effort, and the retry's).
  expect(read.events.filter((e) => e.event === 'text_reset').map((e) => e.json)).toEqual(
    expect.arrayContaining([{ turn: 1, attempt: 1 }])
  );
  expect(read.events.filter((e) => e.event === 'text_reset').every((e) => e.json.attempt === 1)).toBe(true);

  // Two requests, one reply received whole: one model call billed (1000×2 + 100×10 = 3000 µ$).
  expect(fake.requestsFor(marker)).toHaveLength(2);
  const calls = await h.db('model_calls').where({ run_id });
  expect(calls.map((c: any) => [c.turn, c.attempt, Number(c.cost_micro_usd)])).toEqual([[1, 2, 3000]]);
  expect(run.cost_usd).toBe(0.003);
  expect(run.steps.filter((s: any) => s.kind === 'model')).toHaveLength(1);
}, 60_000);

it('splits a large batch into notices Postgres takes (under 8000 bytes each), joined the whole text', async () => {
  const { genie, marker } = await createScriptedGenie(h, user, { model: 'test-model' });
  // 40 KB at once: one batch, far over NOTIFY's limit, with quotes, line breaks and multi-byte letters.
  const long = Array.from({ length: 1200 }, (_, i) => `Zeile ${i}: "größer" — 😀\n`).join('');
  fake.script(marker, [{ ...text(long), latencyMs: 300 }]);
  const { run_id } = await startRun(h, user, genie.id);
  const read = await readRunStream(`${h.url}/v1/runs/${run_id}/stream`, user.key);
  expect((await waitForRun(h, user, run_id)).status).toBe('succeeded');
  const texts = textsOf(read.events, 1);
  expect(joined(texts)).toBe(long);
  const sizes = texts.map((e) => Buffer.byteLength(JSON.stringify({ run: run_id, text: e.json }), 'utf8'));
  expect(Math.max(...sizes)).toBeLessThan(8000);
  expect(Math.max(...sizes)).toBeGreaterThan(4000); // batched, then split
}, 60_000);
