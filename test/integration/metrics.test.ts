import os from 'node:os';
import { Registry } from 'prom-client';
import { createGenieMetrics } from '../../platform/metrics';
import { serveWorkerMetrics } from '../../worker/metrics-server';
import { text, toolUse } from '../fakes/anthropic';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { useStack } from '../support/stack';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';

/** Prometheus metrics: the API's requests by route template and status; what genies did, on the worker. */
const metrics = createGenieMetrics();
const { fake, h, taskQueue, createUser } = useStack({ worker: { metrics } });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('metrics');
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

describe('GENIE_METRICS_TOKEN on the API', () => {
  const token = 'metrics-token-0123456789abcdef';
  let guarded: Harness;
  beforeAll(async () => {
    guarded = await startHarness({ taskQueue, metricsToken: token });
  });
  afterAll(() => guarded.close());

  it('answers 401 in the JSON envelope without the token, or with a wrong one', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, -1)}`,
      token,
      `Basic ${token}`,
    ]) {
      const res = await guarded.call('GET', '/metrics', authorization ? { headers: { authorization } } : {});
      expect([authorization, res.status]).toEqual([authorization, 401]);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body).toEqual({
        success: false,
        error: { code: 'unauthorized', message: expect.stringContaining('GENIE_METRICS_TOKEN') },
      });
      expect(JSON.stringify(res.body)).not.toContain('genie_http_requests_total');
    }
  });

  it('serves the page to the token', async () => {
    const res = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('genie_http_requests_total');
  });
});

describe("the worker's /metrics server", () => {
  const token = 'worker-metrics-token-0123456789';
  const registry = new Registry();
  createGenieMetrics(registry);

  it('listens on 127.0.0.1 by default, open without a token', async () => {
    const server = await serveWorkerMetrics(0, registry, undefined);
    try {
      expect(server.host).toBe('127.0.0.1');
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('genie_runs_finished_total');
      // Not on this machine's other addresses (when it has one).
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && !i.internal && i.family === 'IPv4');
      if (external) {
        await expect(fetch(`http://${external.address}:${server.port}/metrics`)).rejects.toThrow();
      }
    } finally {
      await server.close();
    }
  });

  it('listens where GENIE_WORKER_METRICS_HOST says', async () => {
    const server = await serveWorkerMetrics(0, registry, undefined, { host: '0.0.0.0' });
    try {
      expect(server.host).toBe('0.0.0.0');
    } finally {
      await server.close();
    }
  });

  it('wants the bearer token when given one: 401 text/plain with WWW-Authenticate otherwise', async () => {
    const server = await serveWorkerMetrics(0, registry, undefined, { token });
    const url = `http://127.0.0.1:${server.port}/metrics`;
    try {
      for (const authorization of [undefined, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token]) {
        const res = await fetch(url, { headers: authorization ? { authorization } : {} });
        expect([authorization, res.status]).toEqual([authorization, 401]);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.headers.get('content-type')).toContain('text/plain');
        expect(await res.text()).not.toContain('genie_runs_finished_total');
      }
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('genie_runs_finished_total');
    } finally {
      await server.close();
    }
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
