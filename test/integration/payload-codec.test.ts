import { spawn } from 'node:child_process';
import { temporal } from '@temporalio/proto';
import { findTemporalCli } from '../../dev/temporal-cli';
import { text, toolUse } from '../fakes/anthropic';
import { encryptedPayloadsIn } from '../support/history';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/**
 * Temporal payloads are encrypted: a run's input, tool calls, results, previews and summaries leave
 * no readable trace in its raw history, and the codec server (and the Temporal CLI through it)
 * shows them to operators.
 */
const { fake, h, createUser } = useStack({ worker: true });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('codec');
});

type WirePayload = { metadata: Record<string, string>; data: string };
const toWire = (p: temporal.api.common.v1.IPayload): WirePayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** A run whose input and memory write carry `marker`, finished; with its raw (undecoded) history. */
async function markedRun(marker: string) {
  const { genie, marker: script } = await createScriptedGenie(h, user, { tools: ['memory_write'] });
  fake.script(script, [
    toolUse([{ name: 'memory_write', input: { key: `lead-${marker}`, value: `remember ${marker}` } }]),
    text(`Remembered ${marker}.`),
  ]);
  const { run_id: runId, workflow_id: workflowId } = await startRun(h, user, genie.id, `Input ${marker}`);
  const run = await waitForRun(h, user, runId);
  expect(run.status).toBe('succeeded');
  const { history } = await h.temporal.workflowService.getWorkflowExecutionHistory({
    namespace: 'default',
    execution: { workflowId },
  });
  return { runId, workflowId, history: history! };
}

describe('payload encryption', () => {
  it('leaves no plain input, tool call, result or summary in the raw history', async () => {
    const marker = `M4rker${Date.now()}`;
    const { runId, history } = await markedRun(marker);
    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect(raw.includes(marker)).toBe(false);
    expect(raw.includes('memory_write')).toBe(false); // activity summaries and tool names
    expect(raw.includes('binary/encrypted')).toBe(true);
    // Search attributes stay plain: Temporal indexes them.
    expect(raw.includes('GenieId')).toBe(true);

    // The codec server decodes what the history holds: the workflow's input (ids: the run's input
    // itself stays in Postgres), and the tool call's summary with the key it wrote.
    const res = await fetch(`${h.url}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: encryptedPayloadsIn(history).map(toWire) }),
    });
    expect(res.status).toBe(200);
    const decoded = ((await res.json()) as { payloads: WirePayload[] }).payloads.map((p) =>
      Buffer.from(p.data, 'base64').toString('utf8')
    );
    const values = decoded.map((d) => JSON.parse(d) as unknown);
    expect(values).toContainEqual(expect.objectContaining({ runId, trigger: { type: 'manual' } }));
    expect(decoded.join('\n')).toContain(`memory_write genie:lead-${marker}`);
  });

  it('shows operators everything through `temporal workflow show --codec-endpoint`', async () => {
    const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
    if (!cli) throw new Error('the Temporal CLI is missing (npm install puts it in .tools/)');
    const marker = `Sh0w${Date.now()}`;
    const { workflowId } = await markedRun(marker);
    const show = (extra: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(cli, [
          'workflow',
          'show',
          '--address',
          process.env.TEMPORAL_ADDRESS!,
          '--workflow-id',
          workflowId,
          '--output',
          'json',
          ...extra,
        ]);
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('error', reject);
        child.once('exit', () => resolve(out));
      });
    /** What the printed history's payloads say, decoded from their base64 where they are plain JSON. */
    const readable = (printed: string) => {
      const texts: string[] = [];
      const walk = (value: unknown): void => {
        if (!value || typeof value !== 'object') return;
        const p = value as { metadata?: { encoding?: string }; data?: string };
        if (p.metadata?.encoding && typeof p.data === 'string') {
          const encoding = Buffer.from(p.metadata.encoding, 'base64').toString();
          texts.push(encoding === 'json/plain' ? Buffer.from(p.data, 'base64').toString('utf8') : `<${encoding}>`);
        }
        for (const child of Object.values(value)) walk(child);
      };
      walk(JSON.parse(printed));
      return texts.join('\n');
    };
    const raw = readable(await show([]));
    expect(raw).not.toContain(marker);
    expect(raw).toContain('<binary/encrypted>');
    const decoded = readable(await show(['--codec-endpoint', `${h.url}/codec`]));
    expect(decoded).toContain(`memory_write genie:lead-${marker}`); // the tool call's summary
    expect(decoded).not.toContain('<binary/encrypted>');
  }, 60_000);

  it('encodes for the UI (a signal typed by an operator), and refuses what it cannot decode', async () => {
    const plain = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('"hi"').toString('base64'),
    };
    const post = (path: string, body: unknown) =>
      fetch(`${h.url}/codec/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const encoded = (await (await post('encode', { payloads: [plain] })).json()) as { payloads: WirePayload[] };
    expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    const back = (await (await post('decode', encoded)).json()) as { payloads: WirePayload[] };
    expect(back.payloads[0]).toEqual(plain);

    const tampered = structuredClone(encoded);
    tampered.payloads[0]!.data = Buffer.from('x'.repeat(40)).toString('base64');
    const refused = await post('decode', tampered);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as any).error.message).toContain('does not decrypt');
    expect((await post('decode', { payloads: 'nope' })).status).toBe(400);
    expect((await post('decode', { payloads: [{ data: '%%%' }] })).status).toBe(400);
  });

  it('answers the Temporal UI’s preflight for its origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${h.url}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
    const ui = await preflight('http://localhost:8233');
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(ui.headers.get('access-control-allow-headers')).toContain('x-namespace');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the codec server with a token', () => {
  let guarded: Harness;
  let uiNetwork: Harness;
  let otherNetwork: Harness;
  beforeAll(async () => {
    guarded = await startHarness({ codecToken: 'codec-token-0123456789' });
    // The browser showing the UI reaches the API from this network (here: loopback).
    uiNetwork = await startHarness({ codecToken: 'codec-token-0123456789', codecAllowNetworks: ['127.0.0.0/8'] });
    otherNetwork = await startHarness({
      codecToken: 'codec-token-0123456789',
      codecAllowNetworks: ['10.0.0.0/8', '::1'],
    });
  });
  afterAll(async () => {
    await guarded.close();
    await uiNetwork.close();
    await otherNetwork.close();
  });

  it('lets callers on an allowed network in without it, and no one else', async () => {
    const decode = (h: Harness) =>
      fetch(`${h.url}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payloads: [] }),
      });
    expect((await decode(uiNetwork)).status).toBe(200);
    expect((await decode(otherNetwork)).status).toBe(401); // 127.0.0.1 is in neither 10/8 nor ::1
  });

  it('requires Authorization: Bearer $GENIE_CODEC_TOKEN', async () => {
    const call = (authorization?: string) =>
      fetch(`${guarded.url}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ payloads: [] }),
      });
    expect((await call()).status).toBe(401);
    expect((await call('Bearer wrong-token-0123456789')).status).toBe(401);
    const ok = await call('Bearer codec-token-0123456789');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ payloads: [] });
  });
});
