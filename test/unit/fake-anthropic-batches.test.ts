import Anthropic from '@anthropic-ai/sdk';
import { FakeAnthropic, apiError, batchErrored, batchExpired, text } from '../fakes/anthropic';

/** The fake's Message Batches API, driven by the real SDK. */

let fake: FakeAnthropic;
let client: Anthropic;

beforeAll(async () => {
  fake = await new FakeAnthropic().start();
  client = new Anthropic({ apiKey: 'fake', baseURL: fake.url, maxRetries: 0 });
});

afterAll(() => fake.close());

afterEach(() => {
  fake.batchLatencyMs = 0;
  fake.holdBatches = false;
});

let markers = 0;
const newMarker = () => `batch-test-marker-${++markers}-${Date.now()}`;

const request = (customId: string, marker: string, content = 'Hello') => ({
  custom_id: customId,
  params: {
    model: 'claude-fake-1',
    max_tokens: 256,
    system: `You are a genie. ${marker}`,
    messages: [{ role: 'user' as const, content }],
  },
});

const results = async (id: string) => {
  const lines: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
  for await (const line of await client.messages.batches.results(id)) lines.push(line);
  return lines;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FakeAnthropic Message Batches', () => {
  it('creates a batch, keeps it in progress for batchLatencyMs, then ends it with the scripted messages', async () => {
    const marker = newMarker();
    fake.script(marker, [text('first answer', { output_tokens: 7 }), text('second answer')]);
    fake.batchLatencyMs = 300;

    const created = await client.messages.batches.create({
      requests: [request('a', marker), request('b', marker, 'Again')],
    });
    expect(created).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    });
    expect(created.id).toMatch(/^msgbatch_fake_[0-9a-f]+$/);
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 60 * 60 * 1000);

    const waiting = await client.messages.batches.retrieve(created.id);
    expect(waiting.processing_status).toBe('in_progress');
    expect(waiting.results_url).toBeNull();

    await sleep(350);
    const ended = await client.messages.batches.retrieve(created.id);
    expect(ended).toMatchObject({
      id: created.id,
      processing_status: 'ended',
      request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 },
      results_url: `${fake.url}/v1/messages/batches/${created.id}/results`,
    });
    expect(ended.ended_at).not.toBeNull();

    const lines = await results(created.id);
    expect(lines.map((l) => l.custom_id)).toEqual(['a', 'b']);
    const [first, second] = lines.map((l) => l.result);
    if (first?.type !== 'succeeded' || second?.type !== 'succeeded') throw new Error('expected two succeeded results');
    expect(first.message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-fake-1',
      content: [{ type: 'text', text: 'first answer' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 7, cache_read_input_tokens: 0 },
    });
    expect(first.message.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(second.message.content).toEqual([{ type: 'text', text: 'second answer' }]);
    expect(second.message.usage.output_tokens).toBeGreaterThan(0);

    const batch = fake.batches.get(created.id)!;
    expect(batch).toMatchObject({
      id: created.id,
      customIds: ['a', 'b'],
      status: 'ended',
      cancelled: false,
      retrieves: 3, // two retrieves, and the one results() makes first
      resultTypes: ['succeeded', 'succeeded'],
    });
    expect(fake.batchesFor(marker)).toEqual([batch]);
    expect(fake.requestsFor(marker).map((r) => [r.batchId, r.customId])).toEqual([
      [created.id, 'a'],
      [created.id, 'b'],
    ]);
    expect(fake.requestsFor(marker)[1]!.body.messages).toEqual([{ role: 'user', content: 'Again' }]);
  });

  it('answers errored and expired results from batchErrored, apiError and batchExpired', async () => {
    const marker = newMarker();
    fake.script(marker, [batchErrored('it broke'), apiError(529, { message: 'too busy' }), batchExpired()]);
    const created = await client.messages.batches.create({
      requests: [request('e1', marker), request('e2', marker), request('x', marker)],
    });
    const ended = await client.messages.batches.retrieve(created.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 0, errored: 2, canceled: 0, expired: 1 });
    expect(await results(created.id)).toEqual([
      {
        custom_id: 'e1',
        result: { type: 'errored', error: { type: 'error', error: { type: 'api_error', message: 'it broke' } } },
      },
      {
        custom_id: 'e2',
        result: { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'too busy' } } },
      },
      { custom_id: 'x', result: { type: 'expired' } },
    ]);
    expect(fake.batches.get(created.id)!.resultTypes).toEqual(['errored', 'errored', 'expired']);
  });

  it('cancels a held batch: it ends at the next retrieve with each request canceled', async () => {
    const marker = newMarker();
    fake.script(marker, [text('never delivered')]);
    fake.holdBatches = true;
    const created = await client.messages.batches.create({ requests: [request('c1', marker), request('c2', marker)] });
    expect((await client.messages.batches.retrieve(created.id)).processing_status).toBe('in_progress');

    const canceling = await client.messages.batches.cancel(created.id);
    expect(canceling.processing_status).toBe('canceling');
    expect(canceling.cancel_initiated_at).not.toBeNull();
    expect(fake.batches.get(created.id)).toMatchObject({ status: 'canceling', cancelled: true });

    const ended = await client.messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 });
    expect(await results(created.id)).toEqual([
      { custom_id: 'c1', result: { type: 'canceled' } },
      { custom_id: 'c2', result: { type: 'canceled' } },
    ]);
    expect(fake.batches.get(created.id)).toMatchObject({ resultTypes: ['canceled', 'canceled'], retrieves: 3 });
  });

  it('answers 404 for an unknown batch and for the results of one not ended', async () => {
    const unknown = client.messages.batches.retrieve('msgbatch_nope');
    await expect(unknown).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(unknown).rejects.toMatchObject({ status: 404, error: { error: { type: 'not_found_error' } } });
    await expect(client.messages.batches.cancel('msgbatch_nope')).rejects.toMatchObject({ status: 404 });

    fake.holdBatches = true;
    const created = await client.messages.batches.create({ requests: [request('w', newMarker())] });
    const early = await fetch(`${fake.url}/v1/messages/batches/${created.id}/results`, {
      headers: { 'x-api-key': 'fake' },
    });
    expect(early.status).toBe(404);
    expect(await early.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    await expect(client.messages.batches.results(created.id)).rejects.toThrow(/No batch `results_url`/);
  });

  it('serves the results as JSONL', async () => {
    const created = await client.messages.batches.create({ requests: [request('j1', newMarker())] });
    await client.messages.batches.retrieve(created.id);
    const response = await fetch(`${fake.url}/v1/messages/batches/${created.id}/results`, {
      headers: { 'x-api-key': 'fake', accept: 'application/binary' },
    });
    expect(response.headers.get('content-type')).toBe('application/x-jsonl');
    const body = await response.text();
    expect(body.endsWith('\n')).toBe(true);
    expect(
      body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).custom_id)
    ).toEqual(['j1']);
  });

  it('refuses a batch without an API key or with bad requests', async () => {
    const noKey = await fetch(`${fake.url}/v1/messages/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [request('k', newMarker())] }),
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    await expect(client.messages.batches.create({ requests: [] })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    const missing = { custom_id: 'm', params: { model: 'claude-fake-1', messages: [] } };
    await expect(
      client.messages.batches.create({ requests: [missing as unknown as ReturnType<typeof request>] })
    ).rejects.toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error' } } });
  });

  it('still answers realtime requests, and a batch-only reply there with a 500', async () => {
    const marker = newMarker();
    fake.script(marker, [text('realtime answer'), batchExpired()]);
    const message = await client.messages.create(request('-', marker).params);
    expect(message.content).toEqual([{ type: 'text', text: 'realtime answer' }]);
    expect(message.usage.input_tokens).toBe(3);
    await expect(client.messages.create(request('-', marker).params)).rejects.toMatchObject({
      status: 500,
      error: { error: { type: 'api_error' } },
    });
    expect(fake.requestsFor(marker).map((r) => r.batchId)).toEqual([undefined, undefined]);
    expect(fake.batchesFor(marker)).toEqual([]);
  });
});
