import { createGenieMetrics } from '../../platform/metrics';
import { FakeAnthropic, text, toolUse } from '../fakes/anthropic';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { startTestWorker, type TestWorker } from '../support/worker';

/** Prometheus metrics: the API's requests by route template and status; what genies did, on the worker. */
let fake: FakeAnthropic;
let h: Harness;
let worker: TestWorker;
let user: TestUser;
const metrics = createGenieMetrics();
const taskQueue = `metrics-${Date.now()}`;

beforeAll(async () => {
  fake = await new FakeAnthropic().start();
  h = await startHarness({ taskQueue });
  worker = await startTestWorker({ taskQueue, anthropicBaseUrl: fake.url, metrics });
  user = await h.createUser('metrics');
});
afterAll(async () => {
  await worker.stop();
  await h.close();
  await fake.close();
});

/** The value of one sample line of a Prometheus text page, or undefined. */
function sample(page: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = page.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics on the API', () => {
  it('counts requests by method, route template and status, and times them', async () => {
    await h.call('GET', '/v1/worker-genies', { key: user.key });
    await h.call('GET', '/v1/worker-genies', { key: user.key });
    await h.call('GET', `/v1/runs/${crypto.randomUUID()}`, { key: user.key });
    await h.call('GET', '/v1/worker-genies', { key: 'hg_live_wrong' });
    await h.call('GET', '/no/such/path/12345');
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const page = await res.text();
    expect(
      sample(page, 'genie_http_requests_total', { method: 'GET', route: '/v1/worker-genies/', status: '200' })
    ).toBe(2);
    expect(sample(page, 'genie_http_requests_total', { route: '/v1/runs/:run_id', status: '404' })).toBe(1);
    expect(sample(page, 'genie_http_requests_total', { route: 'unmatched', status: '401' })).toBe(1);
    expect(page).not.toContain('12345'); // raw paths never become labels
    expect(
      sample(page, 'genie_http_request_duration_seconds_count', { route: '/v1/worker-genies/', status: '200' })
    ).toBe(2);
  });
});

describe('genie metrics on the worker', () => {
  it('counts finished runs, tokens by kind, tool calls by outcome and approvals by decision', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      tools: ['memory_write', 'notify_owner'],
      approval_required: ['notify_owner'],
    });
    fake.script(marker, [
      toolUse([
        { name: 'memory_write', input: { key: 'k', value: 1 } },
        { name: 'notify_owner', input: { subject: 's', message: 'm' } },
      ]),
      text('done'),
    ]);
    const { run_id: runId } = await startRun(h, user, genie.id);
    const waiting = await waitForRun(h, user, runId, {
      until: (r) => r.approvals.some((a: any) => a.status === 'pending'),
    });
    await h.call('POST', `/v1/approvals/${waiting.approvals[0].id}/deny`, { key: user.key });
    const run = await waitForRun(h, user, runId);
    expect(run.status).toBe('succeeded');

    const page = await metrics.registry.metrics();
    expect(sample(page, 'genie_runs_finished_total', { status: 'succeeded', trigger_type: 'manual' })).toBe(1);
    expect(sample(page, 'genie_run_duration_seconds_count', { status: 'succeeded' })).toBe(1);
    expect(sample(page, 'genie_tool_calls_total', { tool: 'memory_write', outcome: 'ok' })).toBe(1);
    expect(sample(page, 'genie_tool_calls_total', { tool: 'notify_owner', outcome: 'refused' })).toBe(1);
    expect(sample(page, 'genie_approvals_total', { decision: 'denied' })).toBe(1);
    const output = sample(page, 'genie_model_tokens_total', { kind: 'output' });
    expect(output).toBe(run.usage.output_tokens);
  });
});
