import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { requireTemporalCli } from '../../dev/temporal-cli';
import { secretForms } from '../../fetch/redact';
import type { FetchPolicy, Resolver } from '../../fetch/ssrf';
import { parseKeys } from '../../security/encryption-keys';
import { AesGcmPayloadCodec } from '../../security/payload-codec';
import { text, toolUse } from '../fakes/anthropic';
import { encryptedPayloadsIn } from '../support/history';
import { TEST_PAYLOAD_KEYS } from '../support/keys';
import type { TestUser } from '../support/harness';
import { TestMcpServer } from '../support/mcp-server';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/**
 * Tools from MCP servers, against a real MCP server made with the official SDK: what the model is
 * offered, calls (read-only, gated, retried, failing, oversize), servers that cannot be listed, the
 * credential reaching the server and nowhere else.
 */

/** A fake DNS: mcp.test is the local MCP server (allowed though loopback); nothing else resolves. */
const resolve: Resolver = async (host) => {
  if (host === 'mcp.test' || host === 'other.test') return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`no such host ${host}`);
};
const fetchPolicy: FetchPolicy = { allowHosts: ['mcp.test', 'other.test'], resolve };
const TOKEN = 'mcp-Secret-Token-0123456789abcdef';

const { fake, h, createUser } = useStack({ harness: { fetchPolicy }, worker: { fetchPolicy } });
let mcp: TestMcpServer;
let user: TestUser;
let closedPort: number;
const serverUrl = () => `http://mcp.test:${mcp.port}/mcp`;

beforeAll(async () => {
  mcp = await new TestMcpServer().start();
  mcp.authorize = (authorization) => authorization === `Bearer ${TOKEN}`;
  user = await createUser('mcp');
  const stored = await h.call('POST', '/v1/credentials', {
    key: user.key,
    body: { name: 'tracker', credential_type: 'bearer_token', value: TOKEN, allowed_hosts: ['mcp.test'] },
  });
  expect(stored.status).toBe(201);
  // A port nothing listens on: connecting is refused.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(async () => {
  await mcp.close();
});

const tracker = (fields: Record<string, unknown> = {}) => ({
  name: 'tracker',
  url: serverUrl(),
  credential: 'tracker',
  ...fields,
});

/** A genie with only the tracker's tools, scripted with `turns`; its run, ended. */
async function runWith(servers: object[], turns: Parameters<typeof fake.script>[1], fields: object = {}) {
  const { genie, marker } = await createScriptedGenie(h, user, { tools: [], mcp_servers: servers, ...fields });
  fake.script(marker, turns);
  const { run_id } = await startRun(h, user, genie.id);
  return { genie, marker, runId: run_id };
}

const toolResult = (marker: string, request = 1) => fake.requestsFor(marker)[request]!.body.messages.at(-1).content[0];

describe('inspect-mcp-server', () => {
  it('lists the server, its protocol and its tools with read_only (REST and action)', async () => {
    const res = await h.call('POST', '/v1/mcp-servers/inspect', {
      key: user.key,
      body: { url: serverUrl(), credential: 'tracker' },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ server: { name: 'test-tracker', version: '1.2.3' } });
    expect(res.body.data.protocol_version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const tools = Object.fromEntries(res.body.data.tools.map((t: any) => [t.name, t.read_only]));
    expect(tools).toMatchObject({ list_issues: true, create_issue: false, close_issue: false, flaky: true });
    expect(res.body.data.tools.find((t: any) => t.name === 'create_issue').input_schema).toMatchObject({
      type: 'object',
      properties: { title: { type: 'string' } },
    });
    const action = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { action: 'inspect-mcp-server', data: { url: serverUrl(), credential: 'tracker' } },
    });
    expect(action.status).toBe(200);
    expect(action.body.data.tools).toHaveLength(res.body.data.tools.length);
  });

  it('answers 400 for a private address, 409 for a server that is not there or refuses the credential', async () => {
    const inspect = (body: object) => h.call('POST', '/v1/mcp-servers/inspect', { key: user.key, body });
    const refused = await inspect({ url: `http://127.0.0.1:${mcp.port}/mcp` });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/refused/i);
    const gone = await inspect({ url: `http://mcp.test:${closedPort}/mcp` });
    expect(gone.status).toBe(409);
    expect(gone.body.error.message).toMatch(/ECONNREFUSED/);
    const unknown = await inspect({ url: 'http://nowhere.test/mcp' });
    expect(unknown.status).toBe(409);
    expect(unknown.body.error.message).toMatch(/resolve/);
    const unauthorized = await inspect({ url: serverUrl() });
    expect(unauthorized.status).toBe(409);
    expect(unauthorized.body.error.message).toContain('401');
    expect((await inspect({ url: serverUrl(), credential: 'nope' })).status).toBe(404);
    expect((await inspect({ url: 'ftp://mcp.test/x' })).status).toBe(400);
  });
});

describe('a genie’s mcp_servers', () => {
  it('refuses a credential that may not go to the server’s host (409), bad names and repeats (400)', async () => {
    const create = (mcp_servers: object[]) =>
      h.call('POST', '/v1/worker-genies', { key: user.key, body: { name: 'm', soul_prompt: 'x', mcp_servers } });
    const elsewhere = await create([tracker({ url: `http://other.test:${mcp.port}/mcp` })]);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error.details[0]).toMatchObject({ field: 'mcp_servers.0.credential' });
    expect((await create([tracker({ credential: 'missing' })])).status).toBe(409);
    expect((await create([tracker({ name: 'Tracker' })])).status).toBe(400);
    expect((await create([tracker(), tracker()])).status).toBe(400);
    const saved = await create([tracker({ allowed_tools: ['list_issues'] })]);
    expect(saved.status).toBe(201);
    expect(saved.body.data.mcp_servers).toEqual([tracker({ allowed_tools: ['list_issues'], approval: 'writes' })]);
  });
});

describe('a run with MCP tools', () => {
  it('offers exactly the allowed tools as mcp__<server>__<tool> and runs a read-only call with the credential', async () => {
    const before = mcp.callsOf('list_issues').length;
    const { marker, runId } = await runWith(
      [tracker({ allowed_tools: ['list_issues', 'create_issue'] })],
      [toolUse([{ name: 'mcp__tracker__list_issues', input: { project: 'web' } }]), text('Two issues.')]
    );
    const run = await waitForRun(h, user, runId);
    expect(run.status).toBe('succeeded');
    const offered = fake.requestsFor(marker)[0]!.body.tools.map((t: any) => t.name);
    expect(offered).toEqual(['mcp__tracker__list_issues', 'mcp__tracker__create_issue']);
    // The server's description and input schema, as the Messages API takes it (no $schema dialect).
    expect(fake.requestsFor(marker)[0]!.body.tools[0]).toMatchObject({
      description: 'List the open issues of a project.',
      input_schema: { type: 'object', properties: { project: { type: 'string' } }, required: ['project'] },
    });
    expect(fake.requestsFor(marker)[0]!.body.tools[0].input_schema.$schema).toBeUndefined();
    expect(fake.requestsFor(marker)[1]!.body.tools.map((t: any) => t.name)).toEqual(offered);
    const step = run.steps.find((s: any) => s.kind === 'tool');
    expect(step).toMatchObject({ tool: 'mcp__tracker__list_issues', is_error: false });
    expect(toolResult(marker)).toMatchObject({ type: 'tool_result', content: 'web: #1 Login fails, #2 Slow search' });
    const calls = mcp.callsOf('list_issues').slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ authorization: `Bearer ${TOKEN}`, arguments: { project: 'web' } });
    expect(run.approvals).toEqual([]);
    expect(run.warnings).toEqual([]);
  });

  it('holds a write call for approval and makes it once after the owner approves', async () => {
    const created = mcp.created.size;
    const { marker, runId } = await runWith(
      [tracker()],
      [toolUse([{ name: 'mcp__tracker__create_issue', input: { title: 'Fix login' } }]), text('Filed.')]
    );
    const waiting = await waitForRun(h, user, runId, {
      until: (r) => r.status === 'waiting_approval' && r.approvals.length > 0,
    });
    expect(waiting.approvals[0]).toMatchObject({ tool: 'mcp__tracker__create_issue', status: 'pending' });
    expect(mcp.callsOf('create_issue').filter((c) => c.idempotencyKey?.startsWith(runId))).toHaveLength(0);
    const approved = await h.call('POST', `/v1/approvals/${waiting.approvals[0].id}/approve`, {
      key: user.key,
      body: {},
    });
    expect(approved.status).toBe(200);
    const run = await waitForRun(h, user, runId);
    expect(run.status).toBe('succeeded');
    const calls = mcp.callsOf('create_issue').filter((c) => c.idempotencyKey?.startsWith(runId));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.idempotencyKey).toBe(`${runId}:${waiting.approvals[0].tool_use_id}`);
    expect(mcp.created.size).toBe(created + 1);
    expect(toolResult(marker).content).toContain('Created issue');
    expect(toolResult(marker).content).toContain('"title":"Fix login"');
  });

  it('retries a 503 with backoff, every attempt with the same idempotency key', async () => {
    const { marker, runId } = await runWith(
      [tracker()],
      [toolUse([{ name: 'mcp__tracker__flaky', input: {} }]), text('ok')]
    );
    const run = await waitForRun(h, user, runId);
    expect(run.status).toBe('succeeded');
    const calls = mcp.callsOf('flaky').filter((c) => c.idempotencyKey?.startsWith(runId));
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(1);
    expect(toolResult(marker)).toMatchObject({ content: 'finally worked' });
    expect(run.steps.filter((s: any) => s.kind === 'tool')).toHaveLength(1);
  });

  it('gives the model isError results and oversize results cut at 64 KiB; the run goes on', async () => {
    const { marker, runId } = await runWith(
      [tracker({ approval: 'never' })],
      [
        toolUse([
          { name: 'mcp__tracker__close_issue', input: { id: 7 } },
          { name: 'mcp__tracker__export_all', input: {} },
        ]),
        text('done'),
      ]
    );
    const run = await waitForRun(h, user, runId);
    expect(run.status).toBe('succeeded');
    const results = fake.requestsFor(marker)[1]!.body.messages.at(-1).content;
    expect(results[0]).toMatchObject({ is_error: true, content: 'Issue #7 does not exist.' });
    expect(results[1].is_error).toBe(false);
    expect(Buffer.byteLength(results[1].content)).toBeLessThan(64 * 1024 + 200);
    expect(results[1].content).toMatch(/cut: the result was 204800 bytes/);
  });

  it('goes on without a server it cannot list, with a warning (unreachable, private address)', async () => {
    const { marker, runId } = await runWith(
      [
        tracker({ allowed_tools: ['list_issues'] }),
        { name: 'gone', url: `http://mcp.test:${closedPort}/mcp` },
        { name: 'inside', url: `http://127.0.0.1:${mcp.port}/mcp` },
      ],
      [text('nothing to do')]
    );
    const run = await waitForRun(h, user, runId, { timeoutMs: 90_000 });
    expect(run.status).toBe('succeeded');
    expect(run.warnings).toEqual([
      { type: 'mcp_unavailable', server: 'gone', message: expect.stringContaining('ECONNREFUSED') },
      { type: 'mcp_unavailable', server: 'inside', message: expect.stringMatching(/refused/i) },
    ]);
    expect(fake.requestsFor(marker)[0]!.body.tools.map((t: any) => t.name)).toEqual(['mcp__tracker__list_issues']);
  }, 120_000);

  it('keeps the credential out of history, steps and approvals', async () => {
    const { runId } = await runWith(
      [tracker({ approval: 'never' })],
      [toolUse([{ name: 'mcp__tracker__whoami', input: {} }]), text('ok')]
    );
    const run = await waitForRun(h, user, runId);
    expect(run.status).toBe('succeeded');
    const step = run.steps.find((s: any) => s.kind === 'tool');
    expect(step.output_preview).toContain('[REDACTED:tracker]');
    const history = await h.temporal.workflow.getHandle(run.workflow_id).fetchHistory();
    const codec = new AesGcmPayloadCodec(parseKeys(TEST_PAYLOAD_KEYS));
    const payloads = encryptedPayloadsIn(history);
    const decoded = await codec.decode(
      payloads.map((p) => ({ metadata: p.metadata ?? {}, data: p.data ?? new Uint8Array() }))
    );
    const everything = [
      JSON.stringify(run),
      ...decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')),
      JSON.stringify((await h.db('run_steps').where({ run_id: runId })) as unknown[]),
    ].join('\n');
    for (const form of secretForms(TOKEN)) expect(everything).not.toContain(form);
    // What an operator sees of the run in Temporal (the payloads are encrypted; decoded above too).
    const { stdout } = await promisify(execFile)(
      requireTemporalCli(),
      ['workflow', 'show', '-w', run.workflow_id, '--output', 'json', '--address', process.env.TEMPORAL_ADDRESS!],
      { maxBuffer: 64 * 1024 * 1024 }
    );
    expect(stdout).toContain('listMcpTools');
    for (const form of secretForms(TOKEN)) expect(stdout).not.toContain(form);
  });
});
