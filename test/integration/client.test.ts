import crypto from 'node:crypto';
import { GenieApiError, GenieClient, paginate, type RunStreamEvent } from '../../client';
import { text, toolUse } from '../fakes/anthropic';
import { useStack } from '../support/stack';

/**
 * The typed client against the real API and a real worker: a genie's life driven through
 * GenieClient alone, typed answers, the run stream as an async iterator, errors as GenieApiError.
 */
const { h, fake, createUser } = useStack({ worker: true });
let client: GenieClient;
let stranger: GenieClient;

beforeAll(async () => {
  const [owner, other] = await Promise.all([createUser('client'), createUser('client-stranger')]);
  client = new GenieClient({ baseUrl: h.url, apiKey: owner.key });
  stranger = new GenieClient({ baseUrl: h.url, apiKey: other.key });
});

/** Every event of a run's stream, until `end`. */
async function follow(runId: string, options: { lastEventId?: string } = {}): Promise<RunStreamEvent[]> {
  const events: RunStreamEvent[] = [];
  for await (const event of client.streamRun(runId, options)) events.push(event);
  return events;
}

/** What a call throws (it must throw a GenieApiError). */
async function failure(call: Promise<unknown> | AsyncGenerator<unknown>): Promise<GenieApiError> {
  const error: unknown = await ('next' in call ? call.next() : call).then(
    () => undefined,
    (err: unknown) => err
  );
  expect(error).toBeInstanceOf(GenieApiError);
  return error as GenieApiError;
}

describe('GenieClient against the API', () => {
  it('creates a genie, runs it once per Idempotency-Key, follows the run to its end and reads it back', async () => {
    const marker = `client-${crypto.randomUUID()}`;
    fake.scriptConversation(marker, [
      toolUse([{ name: 'memory_write', input: { key: 'k', value: 'v' } }]),
      text('All remembered.'),
    ]);
    const genie = await client.createGenie({
      name: 'Typed',
      soul_prompt: `Remember what you are told. ${marker}`,
      tools: ['memory_write'],
      max_concurrent_runs: 3,
    });
    expect(genie).toMatchObject({ name: 'Typed', version: 1, trigger_type: 'manual', tools: ['memory_write'] });

    const key = `client-test-${crypto.randomUUID()}`;
    const started = await client.runGenie(genie.id, { input: 'remember k' }, { idempotencyKey: key });
    expect(started.status).toBe('queued');
    const again = await client.runGenie(genie.id, { input: 'remember k' }, { idempotencyKey: key });
    expect(again.run_id).toBe(started.run_id);
    const clash = await failure(client.runGenie(genie.id, { input: 'something else' }, { idempotencyKey: key }));
    expect(clash).toMatchObject({ status: 409, code: 'conflict' });

    const events = await follow(started.run_id);
    expect(events[0]).toMatchObject({ event: 'status', data: { id: started.run_id } });
    const steps = events.flatMap((event) => (event.event === 'step' ? [event.data] : []));
    expect(steps.map((step) => [step.seq, step.kind, step.tool ?? null])).toEqual([
      [1, 'model', null],
      [2, 'tool', 'memory_write'],
      [3, 'model', null],
    ]);
    const end = events.at(-1)!;
    expect(end.event).toBe('end');
    if (end.event !== 'end') throw new Error('no end');
    expect(end.data).toMatchObject({ status: 'succeeded', output: 'All remembered.', turns: 2 });

    // Resuming after step 1 sends the steps after it only.
    const resumed = await follow(started.run_id, { lastEventId: '1' });
    expect(resumed.flatMap((event) => (event.event === 'step' ? [event.data.seq] : []))).toEqual([2, 3]);
    expect(resumed.at(-1)?.event).toBe('end');

    const run = await client.getRun(started.run_id);
    expect(run).toMatchObject({ id: started.run_id, genie_id: genie.id, status: 'succeeded', input: 'remember k' });
    expect(run.steps.map((step) => step.seq)).toEqual([1, 2, 3]);
    expect(run.usage.output_tokens).toBeGreaterThan(0);

    // Two more runs, then the genie's runs a page of two at a time.
    const more = await Promise.all([client.runGenie(genie.id), client.runGenie(genie.id, { input: { n: 3 } })]);
    for (const { run_id } of more) expect((await follow(run_id)).at(-1)?.event).toBe('end');
    const first = await client.listGenieRuns(genie.id, { limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await client.listGenieRuns(genie.id, { limit: 2, cursor: first.next_cursor });
    expect(second.items).toHaveLength(1);
    expect(second.next_cursor).toBeUndefined();
    const everyRun = [...first.items, ...second.items].map((item) => item.id);
    expect(new Set(everyRun)).toEqual(new Set([started.run_id, ...more.map((m) => m.run_id)]));
    const walked: string[] = [];
    for await (const item of paginate((cursor) => client.listRuns({ limit: 2, cursor }))) walked.push(item.id);
    expect(walked).toEqual(everyRun);

    const genieNow = await client.getGenie(genie.id);
    expect(genieNow.recent_runs.map((recent) => recent.id)).toEqual(everyRun);
    const listed = await client.listGenies({ limit: 10 });
    expect(listed.items.find((item) => item.id === genie.id)?.last_run?.status).toBe('succeeded');
  }, 60_000);

  it('stores, lists and tests a credential, which goes only to its allowed_hosts', async () => {
    const stored = await client.storeCredential({
      name: 'crm',
      credential_type: 'bearer_token',
      value: 'crm-secret-0123456789',
      allowed_hosts: ['api.example.com'],
    });
    expect(stored).toMatchObject({ name: 'crm', credential_type: 'bearer_token', allowed_hosts: ['api.example.com'] });
    expect(JSON.stringify(stored)).not.toContain('crm-secret-0123456789');
    expect((await client.listCredentials()).items.map((credential) => credential.name)).toContain('crm');
    expect(await client.testCredential('crm')).toEqual({ ok: true });
    expect(await client.testCredential(stored.id)).toEqual({ ok: true });

    const elsewhere = await failure(client.testCredential('crm', { url: 'https://elsewhere.example.org/' }));
    expect(elsewhere).toMatchObject({ status: 400, code: 'validation_error' });
    expect(elsewhere.fieldProblems).toEqual([
      { field: 'url', message: "elsewhere.example.org is not one of the credential's allowed_hosts" },
    ]);

    const unbounded = await failure(
      // @ts-expect-error allowed_hosts is required, by the type as by the API
      client.storeCredential({ name: 'loose', credential_type: 'bearer_token', value: 'loose-secret-0123456789' })
    );
    expect(unbounded).toMatchObject({ status: 400, code: 'validation_error' });
    expect(unbounded.fieldProblems.map((problem) => problem.field)).toEqual(['allowed_hosts']);

    expect(await client.deleteCredential('crm')).toMatchObject({ deleted: true, id: stored.id });
  });

  it('throws GenieApiError with the code and details of a 404, a 400 and a 401', async () => {
    const missing = await failure(client.getRun(crypto.randomUUID()));
    expect(missing).toMatchObject({ status: 404, code: 'not_found', message: 'Run not found' });
    expect(missing.details).toBeUndefined();

    const invalid = await failure(client.createGenie({ name: 'Bad', soul_prompt: 'x', max_turns: 0 }));
    expect(invalid).toMatchObject({ status: 400, code: 'validation_error' });
    expect(invalid.details).toEqual([{ field: 'max_turns', message: expect.any(String) }]);

    const withTypo = { name: 'Typo', soul_prompt: 'x', alowed_hosts: [] };
    const typo = await failure(client.createGenie(withTypo));
    expect(typo.fieldProblems.map((problem) => problem.field)).toContain('alowed_hosts');

    const keyless = new GenieClient({ baseUrl: h.url, apiKey: `hg_live_${'z'.repeat(40)}` });
    expect(await failure(keyless.listGenies())).toMatchObject({ status: 401, code: 'unauthorized' });
    // The health check and the document need no key.
    expect(await keyless.getHealth()).toEqual({ status: 'ok', checks: { postgres: 'ok', temporal: 'ok' } });
    expect((await keyless.getOpenApi()).openapi).toBe('3.1.0');
  });

  it('answers another owner’s ids as 404, as ids that do not exist', async () => {
    const genie = await client.createGenie({ name: 'Mine', soul_prompt: 'Say hi.', tools: [] });
    const { run_id } = await client.runGenie(genie.id);
    await follow(run_id);
    for (const call of [
      stranger.getGenie(genie.id),
      stranger.runGenie(genie.id),
      stranger.deleteGenie(genie.id),
      stranger.getRun(run_id),
      stranger.cancelRun(run_id),
      stranger.streamRun(run_id),
    ]) {
      expect(await failure(call)).toMatchObject({ status: 404, code: 'not_found' });
    }
    expect((await stranger.listRuns()).items).toEqual([]);
    expect((await client.getGenie(genie.id)).id).toBe(genie.id);
  }, 60_000);
});
