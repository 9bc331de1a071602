import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { spawnNodeChild, waitForReady } from '../../dev/stack';
import { spawnChild, type ChildHandle } from '../../dev/processes';
import { createDb, type Db } from '../../db';
import { createApiKey } from '../../db/repositories/api-keys';
import { findOrCreateUserByEmail } from '../../db/repositories/users';
import { freePort } from '../../platform/ports';
import { FakeAnthropic, text, toolUse } from '../fakes/anthropic';
import { EchoServer } from '../support/echo-server';

/**
 * OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, the real API and worker processes export
 * spans to an OTLP receiver (here on loopback), and one run is one trace: the API request, the
 * workflow, its activities and the outbound web_fetch, linked parent to child. Both as the tests
 * run them (from the sources: the worker bundles the workflows with the tracing interceptors at
 * start) and as `npm start` and production do (compiled by `npm run build`, with its tracing bundle).
 */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** An OTLP/HTTP (JSON) trace receiver. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  url = '';
  private server?: http.Server;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) this.collect(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private collect(payload: any): void {
    for (const resourceSpans of payload.resourceSpans ?? []) {
      const service =
        resourceSpans.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue ?? '?';
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
          });
        }
      }
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

const ROOT = path.resolve(__dirname, '../..');

/** The compiled entry point in dist/, as `npm run api|worker` runs it (built in beforeAll). */
function spawnCompiled(name: 'api' | 'worker', env: NodeJS.ProcessEnv): ChildHandle {
  return spawnChild(name, process.execPath, [path.join(ROOT, 'dist', 'bin', `${name}.js`)], { env, ipc: true });
}

describe.each([
  ['from the sources', spawnNodeChild],
  ['compiled', spawnCompiled],
] as const)('%s', (mode, spawn) => {
  let fake: FakeAnthropic;
  let echo: EchoServer;
  let receiver: OtlpReceiver;
  let db: Db;
  let api: ChildHandle;
  let worker: ChildHandle;
  let apiUrl: string;
  const taskQueue = `tracing-${mode === 'compiled' ? 'c' : 's'}-${Date.now()}`;

  beforeAll(async () => {
    if (mode === 'compiled') execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: ROOT });
    fake = await new FakeAnthropic().start();
    echo = await new EchoServer().start();
    receiver = await new OtlpReceiver().start();
    db = createDb(process.env.DATABASE_URL!);
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      TEMPORAL_TASK_QUEUE: taskQueue,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      LOG_LEVEL: 'error',
    };
    worker = spawn('worker', {
      ...env,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'sk-ant-fake-tracing',
      GENIE_FETCH_ALLOW_HOSTS: '127.0.0.1',
    });
    api = spawn('api', { ...env, PORT: String(port) });
    await Promise.all([waitForReady(worker, 120_000), waitForReady(api, 120_000)]);
  }, 240_000);
  afterAll(async () => {
    await api?.stop(5000);
    await worker?.stop(5000);
    await db.destroy();
    await receiver.close();
    await echo.close();
    await fake.close();
  });

  /** A new user's API key, as request headers. */
  async function signIn(prefix: string): Promise<Record<string, string>> {
    const user = await findOrCreateUserByEmail(db, `${prefix}-${Date.now()}@example.test`);
    const { key } = await createApiKey(db, user.id, 'trace');
    return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  }

  async function createGenie(headers: Record<string, string>, body: object): Promise<any> {
    const res = await fetch(`${apiUrl}/v1/worker-genies`, { method: 'POST', headers, body: JSON.stringify(body) });
    return ((await res.json()) as any).data;
  }

  /** Runs the genie and polls the run until it succeeded or failed. */
  async function runToEnd(headers: Record<string, string>, genieId: string): Promise<any> {
    const res = await fetch(`${apiUrl}/v1/worker-genies/${genieId}/run`, { method: 'POST', headers, body: '{}' });
    const runId = ((await res.json()) as any).data.run_id;
    let run: any;
    for (let i = 0; i < 300 && !['succeeded', 'failed'].includes(run?.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = ((await (await fetch(`${apiUrl}/v1/runs/${runId}`, { headers })).json()) as any).data;
    }
    return run;
  }

  it('follows one run from the API request through the workflow and activities to web_fetch', async () => {
    const headers = await signIn('trace');
    const marker = `trace-marker-${Date.now()}`;
    fake.script(marker, [
      toolUse([{ name: 'web_fetch', input: { url: `http://127.0.0.1:${echo.port}/echo` } }]),
      text('Fetched.'),
    ]);
    const genie = await createGenie(headers, { name: 'Traced', soul_prompt: `Fetch. ${marker}`, tools: ['web_fetch'] });
    const run = await runToEnd(headers, genie.id);
    expect(run.status).toBe('succeeded');

    // Spans are exported in batches (every 500 ms; workflow spans after their workflow task), by two
    // processes: wait until every kind expected has arrived.
    const expected = [
      'POST /v1/worker-genies/:id/run',
      'StartWorkflow:genieRun',
      'RunWorkflow:genieRun',
      'RunActivity:callModel',
      'RunActivity:runTool',
      `HTTP GET 127.0.0.1:${echo.port}`,
    ];
    for (let i = 0; i < 150 && !expected.every((name) => receiver.spans.some((s) => s.name === name)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const request = receiver.spans.find((s) => s.name === 'POST /v1/worker-genies/:id/run');
    expect(request).toMatchObject({ service: 'worker-genies-api' });
    const trace = receiver.spans.filter((s) => s.traceId === request!.traceId);
    const names = trace.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'StartWorkflow:genieRun',
        'RunWorkflow:genieRun',
        'RunActivity:callModel',
        'RunActivity:runTool',
      ])
    );
    const runTool = trace.find((s) => s.name === 'RunActivity:runTool')!;
    expect(runTool.service).toBe('worker-genies-worker');
    const outbound = trace.find((s) => s.name === `HTTP GET 127.0.0.1:${echo.port}`);
    expect(outbound).toMatchObject({ service: 'worker-genies-worker', parentSpanId: runTool.spanId });
    // The trace begins at the request: the workflow start is its child.
    expect(trace.find((s) => s.name === 'StartWorkflow:genieRun')!.parentSpanId).toBe(request!.spanId);
  }, 120_000);

  it('puts a run a genie asked for (ask_genie) in its parent’s trace, under the child workflow start', async () => {
    const headers = await signIn('trace-child');
    const childMarker = `trace-child-${Date.now()}`;
    const parentMarker = `trace-parent-${Date.now()}`;
    fake.script(childMarker, [text('Asked and answered.')]);
    fake.script(parentMarker, [
      toolUse([{ name: 'ask_genie', input: { genie: 'Helper', input: 'help' } }]),
      text('Done.'),
    ]);
    const child = await createGenie(headers, { name: 'Helper', soul_prompt: `Help. ${childMarker}`, tools: [] });
    const parent = await createGenie(headers, {
      name: 'Asker',
      soul_prompt: `Ask. ${parentMarker}`,
      tools: [],
      delegates: [child.id],
    });
    const run = await runToEnd(headers, parent.id);
    expect(run.status).toBe('succeeded');
    expect(run.children).toHaveLength(1);

    const inTrace = () => {
      const start = receiver.spans.find((s) => s.name === 'StartChildWorkflow:genieRun');
      return start ? receiver.spans.filter((s) => s.traceId === start.traceId) : [];
    };
    for (let i = 0; i < 150 && inTrace().filter((s) => s.name === 'RunWorkflow:genieRun').length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const trace = inTrace();
    const startChild = trace.find((s) => s.name === 'StartChildWorkflow:genieRun')!;
    const runs = trace.filter((s) => s.name === 'RunWorkflow:genieRun');
    expect(runs).toHaveLength(2);
    // The child's workflow runs under the parent's start of it: one trace from the request down.
    expect(runs.some((s) => s.parentSpanId === startChild.spanId)).toBe(true);
    expect(trace.some((s) => s.name === 'POST /v1/worker-genies/:id/run')).toBe(true);
  }, 120_000);
});
