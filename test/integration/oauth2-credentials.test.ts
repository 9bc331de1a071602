import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { runMcpTool } from '../../activities/tools/mcp';
import * as tokens from '../../activities/tools/oauth2-tokens';
import type { McpServerConfig, McpToolEntry } from '../../domain/mcp';
import { secretForms } from '../../fetch/redact';
import type { FetchPolicy, Resolver } from '../../fetch/ssrf';
import { parseKeys } from '../../security/encryption-keys';
import { AesGcmPayloadCodec } from '../../security/payload-codec';
import { text, toolUse } from '../fakes/anthropic';
import { EchoServer } from '../support/echo-server';
import type { TestUser } from '../support/harness';
import { encryptedPayloadsIn } from '../support/history';
import { TEST_PAYLOAD_KEYS, testToolDeps } from '../support/keys';
import { TestMcpServer } from '../support/mcp-server';
import { TestOAuthServer, type TestOAuthServerOptions } from '../support/oauth-server';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/**
 * OAuth 2.0 credentials against a real token endpoint (test/support/oauth-server.ts), the echo
 * server (web_fetch) and a real MCP server, all on loopback behind a fake DNS: the stored access
 * token used until it nearly expires, one token request however many calls need one (in one process
 * and across processes), rotated refresh tokens stored before use, one refresh and one retry on a
 * 401, a refused refresh token making the credential needs_reauth (its owner told once), the test
 * action, and no token or client secret anywhere the owner, the model or an operator can look.
 */

const HOSTS = ['auth.test', 'api.test', 'mcp.test'];
const resolve: Resolver = async (host) => {
  if (HOSTS.includes(host)) return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`no such host ${host}`);
};
const fetchPolicy: FetchPolicy = { allowHosts: HOSTS, resolve };

const logs: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    logs.push(chunk.toString());
    callback();
  },
});

const { fake, h, createUser } = useStack({ harness: { fetchPolicy, logStream }, worker: { fetchPolicy, logStream } });
let user: TestUser;
let echo: EchoServer;
let mcp: TestMcpServer;
const servers: TestOAuthServer[] = [];
const runIds: string[] = [];
const answers: unknown[] = [];

beforeAll(async () => {
  user = await createUser('oauth2');
  echo = await new EchoServer().start();
  mcp = await new TestMcpServer().start();
  // The MCP server takes exactly the access tokens a token endpoint of this file issued and has not revoked.
  mcp.authorize = (authorization) => servers.some((server) => server.accepts(authorization));
});
afterAll(async () => {
  await echo.close();
  await mcp.close();
  for (const server of servers) await server.close();
});

const E = () => echo.port;
const call = async (method: string, path: string, body?: unknown) => {
  const res = await h.call(method, path, { key: user.key, body });
  answers.push(res.body);
  return res;
};
const listed = async (name: string) =>
  ((await call('GET', '/v1/credentials')).body.data.items as any[]).find((c) => c.name === name);

/** A token endpoint of its own and an oauth2 credential `name` stored for it (a confidential client by default). */
async function connect(name: string, options: Partial<TestOAuthServerOptions> = {}) {
  const server = await new TestOAuthServer({
    clientId: `client-${name}`,
    clientSecret: `client-secret-${name}-${crypto.randomBytes(8).toString('hex')}`,
    ...options,
  }).start();
  servers.push(server);
  const refreshToken = server.grantRefreshToken();
  const stored = await call('POST', '/v1/credentials', {
    name,
    credential_type: 'oauth2',
    token_url: `http://auth.test:${server.port}/token`,
    client_id: server.options.clientId,
    client_secret: server.options.clientSecret,
    refresh_token: refreshToken,
    scope: 'read write',
    allowed_hosts: ['api.test', 'mcp.test', 'auth.test'],
  });
  expect(stored.status).toBe(201);
  return { server, refreshToken, credential: stored.body.data };
}

/** A genie scripted with `turns`, run to its end; the run and the tool results of each turn. */
async function runGenie(fields: Record<string, unknown>, turns: Parameters<typeof fake.script>[1]) {
  const { genie, marker } = await createScriptedGenie(h, user, fields);
  fake.script(marker, turns);
  const { run_id } = await startRun(h, user, genie.id);
  runIds.push(run_id);
  const done = await waitForRun(h, user, run_id);
  const results = (turn: number) =>
    (fake.requestsFor(marker)[turn]!.body.messages.at(-1).content as any[]).map((block) => ({
      isError: block.is_error === true,
      content: block.content as string,
      json: (() => {
        try {
          return JSON.parse(block.content);
        } catch {
          return undefined;
        }
      })(),
    }));
  return { run: done, marker, results };
}

const fetchWith = (credential: string, path = '/echo', host = `api.test:${E()}`) => ({
  name: 'web_fetch',
  input: { url: `http://${host}${path}`, credential },
});

const tracker = (credential: string, fields: object = {}): McpServerConfig => ({
  name: 'tracker',
  url: `http://mcp.test:${mcp.port}/mcp`,
  credential,
  approval: 'never',
  ...fields,
});
const listIssues: McpToolEntry = {
  name: 'mcp__tracker__list_issues',
  server: 'tracker',
  tool: 'list_issues',
  description: 'List the open issues of a project.',
  input_schema: { type: 'object' },
  read_only: true,
};
/** Calls the tracker's list_issues as a run's activity would, with the worker's own code. */
const callTracker = (credential: string) =>
  runMcpTool(
    {
      db: h.db,
      deps: testToolDeps(h.db, { fetchPolicy }),
      ownerId: user.id,
      runId: crypto.randomUUID(),
      toolUseId: 'toolu_direct',
    },
    listIssues,
    tracker(credential),
    { project: 'web' }
  );

describe('storing an oauth2 credential', () => {
  it('answers its status, token_url, client_id and scope, a hint of the refresh token, and never a secret', async () => {
    const { credential, refreshToken, server } = await connect('crm');
    expect(credential).toMatchObject({
      name: 'crm',
      credential_type: 'oauth2',
      status: 'ok',
      token_url: `http://auth.test:${server.port}/token`,
      client_id: 'client-crm',
      scope: 'read write',
      header_name: null,
      query_param: null,
      allowed_hosts: ['api.test', 'mcp.test', 'auth.test'],
      hint: refreshToken.slice(-4),
    });
    for (const field of ['value', 'client_secret', 'refresh_token', 'access_token']) {
      expect(Object.keys(credential)).not.toContain(field);
    }
    const bearer = await call('POST', '/v1/credentials', {
      name: 'plain',
      credential_type: 'bearer_token',
      value: 'plain-bearer-secret-123456',
      allowed_hosts: ['api.test'],
    });
    expect(bearer.body.data.status).toBe('ok');
    expect(Object.keys(bearer.body.data)).not.toContain('token_url');
    expect(await listed('crm')).toEqual(credential);
    expect((await listed('plain')).status).toBe('ok');
    expect(server.tokenRequests).toHaveLength(0); // storing asks nothing of the token endpoint
  });

  it.each([
    ['token_url', { token_url: undefined }],
    ['token_url', { token_url: 'file:///etc/passwd' }],
    ['client_id', { client_id: undefined }],
    ['refresh_token', { refresh_token: undefined }],
    ['value', { value: 'a-secret-value' }],
    ['header_name', { header_name: 'X-Token' }],
    ['allowed_hosts', { allowed_hosts: [] }],
    ['client_secret', { credential_type: 'bearer_token', value: 'v' }],
  ])('answers 400 naming %s, in words', async (field, change) => {
    const body = {
      name: 'bad',
      credential_type: 'oauth2',
      token_url: 'https://auth.example.com/token',
      client_id: 'c',
      client_secret: 'cs',
      refresh_token: 'r',
      allowed_hosts: ['api.example.com'],
      ...change,
    };
    for (const res of [
      await call('POST', '/v1/credentials', body),
      await call('POST', '/v1/worker-genies', { action: 'store-credential', ...body }),
    ]) {
      expect(res.status).toBe(400);
      const problem = (res.body.error.details as any[]).find((d) => d.field === field);
      expect(problem.message).toMatch(/[a-z]{3,}/);
    }
  });

  it('is tested by name only once stored (a test may rotate the refresh token it is given)', async () => {
    const res = await call('POST', '/v1/worker-genies', {
      action: 'test-credential',
      credential_type: 'oauth2',
      token_url: 'https://auth.example.com/token',
      client_id: 'c',
      refresh_token: 'r',
      allowed_hosts: ['api.example.com'],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'name', message: 'required to test an oauth2 credential' }]);
  });
});

describe('the test action', () => {
  it('refreshes and answers {ok, expires_at}; the next refresh uses the rotated refresh token', async () => {
    const { server, refreshToken } = await connect('tested');
    const before = Date.now();
    const first = await call('POST', '/v1/credentials/tested/test', {});
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({ ok: true, expires_at: expect.any(String) });
    expect(Date.parse(first.body.data.expires_at)).toBeGreaterThanOrEqual(before + 3599_000);
    expect(server.tokenRequests).toHaveLength(1);
    expect(server.tokenRequests[0]).toMatchObject({ refreshToken, status: 200, form: { scope: 'read write' } });
    expect(server.tokenRequests[0]!.authorization).toMatch(/^Basic /);
    expect(server.tokenRequests[0]!.form.client_id).toBeUndefined();

    const second = await call('POST', '/v1/worker-genies', { action: 'test-credential', name: 'tested' });
    expect(second.body.data).toEqual({ ok: true, expires_at: expect.any(String) });
    expect(server.tokenRequests).toHaveLength(2);
    expect(server.tokenRequests[1]).toMatchObject({
      refreshToken: server.tokenRequests[0]!.issued!.refreshToken,
      status: 200,
    });

    // With a url it then makes a real request with the new access token.
    const withUrl = await call('POST', '/v1/credentials/tested/test', { url: `http://api.test:${E()}/status/204` });
    expect(withUrl.body.data).toEqual({
      ok: true,
      status: 204,
      latency_ms: expect.any(Number),
      expires_at: expect.any(String),
    });
    const sent = echo.seen.filter((r) => r.url === '/status/204').at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${server.issuedAccessTokens.at(-1)}`);
    const elsewhere = await call('POST', '/v1/credentials/tested/test', { url: 'http://other.example/' });
    expect(elsewhere.status).toBe(400);
  });

  it('answers ok: false with the reason when the token endpoint refuses, leaving the status alone', async () => {
    const { server } = await connect('flaky-client');
    server.refuseWith = 'invalid_client';
    const res = await call('POST', '/v1/credentials/flaky-client/test', {});
    expect(res.body.data).toEqual({
      ok: false,
      error: expect.stringMatching(/could not be refreshed.*HTTP 400, invalid_client/),
    });
    expect((await listed('flaky-client')).status).toBe('ok');
  });
});

describe('web_fetch with an oauth2 credential', () => {
  it('makes one token request for 5 calls at once, sends its access token, and reuses it while it lasts', async () => {
    const { server } = await connect('api');
    server.delayMs = 300; // the calls arrive while the refresh is under way
    const { run, results } = await runGenie({ tools: ['web_fetch'], credential_refs: ['api'] }, [
      toolUse([1, 2, 3, 4, 5].map((n) => fetchWith('api', `/echo?n=${n}`))),
      text('done'),
    ]);
    expect(run.status).toBe('succeeded');
    expect(server.tokenRequests).toHaveLength(1);
    const [token] = server.issuedAccessTokens;
    const sent = echo.seen.filter((r) => r.url.startsWith('/echo?n='));
    expect(sent.map((r) => r.headers.authorization)).toEqual(Array(5).fill(`Bearer ${token}`));
    for (const result of results(1)) {
      expect(result).toMatchObject({ isError: false, json: { status: 200, credential: 'api' } });
      expect(result.content).toContain('Bearer [REDACTED:api]');
    }

    const again = await runGenie({ tools: ['web_fetch'], credential_refs: ['api'] }, [
      toolUse([fetchWith('api', '/echo?again=1')]),
      text('done'),
    ]);
    expect(again.run.status).toBe('succeeded');
    expect(server.tokenRequests).toHaveLength(1);
    expect(echo.seen.find((r) => r.url === '/echo?again=1')!.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('refreshes a token that expires within 60 s before each use, storing the rotated refresh token first', async () => {
    // A public client (client_id in the body) whose tokens last 30 s: each call needs a new one.
    const { server, refreshToken } = await connect('short', { clientSecret: undefined, expiresIn: 30 });
    const { run } = await runGenie({ tools: ['web_fetch'], credential_refs: ['short'] }, [
      toolUse([fetchWith('short', '/echo?turn=1')]),
      toolUse([fetchWith('short', '/echo?turn=2')]),
      text('done'),
    ]);
    expect(run.status).toBe('succeeded');
    expect(server.tokenRequests.map((r) => r.status)).toEqual([200, 200]);
    expect(server.tokenRequests[0]).toMatchObject({ refreshToken, form: { client_id: 'client-short' } });
    expect(server.tokenRequests[0]!.authorization).toBeUndefined();
    expect(server.tokenRequests[1]!.refreshToken).toBe(server.tokenRequests[0]!.issued!.refreshToken);
    const [first, second] = server.issuedAccessTokens;
    expect(echo.seen.find((r) => r.url === '/echo?turn=1')!.headers.authorization).toBe(`Bearer ${first}`);
    expect(echo.seen.find((r) => r.url === '/echo?turn=2')!.headers.authorization).toBe(`Bearer ${second}`);
  });

  it('refreshes once and retries once when the API answers 401; a second 401 is the answer, not a loop', async () => {
    const { server } = await connect('resource');
    const host = `auth.test:${server.port}`;
    await runGenie({ tools: ['web_fetch'], credential_refs: ['resource'] }, [
      toolUse([fetchWith('resource', '/resource', host)]),
      text('done'),
    ]);
    expect(server.tokenRequests).toHaveLength(1);
    server.revokeAccessTokens(); // the API forgets the token before it expires

    const { results } = await runGenie({ tools: ['web_fetch'], credential_refs: ['resource'] }, [
      toolUse([fetchWith('resource', '/resource', host)]),
      text('done'),
    ]);
    expect(results(1)[0]).toMatchObject({ isError: false, json: { status: 200 } });
    expect(server.tokenRequests).toHaveLength(2);
    expect(server.resourceRequests.map((r) => r.status)).toEqual([200, 401, 200]);
    expect(server.resourceRequests[2]!.authorization).toBe(`Bearer ${server.issuedAccessTokens[1]}`);

    const refused = await runGenie({ tools: ['web_fetch'], credential_refs: ['resource'] }, [
      toolUse([fetchWith('resource', '/status/401')]),
      text('done'),
    ]);
    expect(refused.results(1)[0]).toMatchObject({ isError: false, json: { status: 401 } });
    expect(server.tokenRequests).toHaveLength(3);
    expect(echo.seen.filter((r) => r.url === '/status/401')).toHaveLength(2);
  });
});

describe('MCP tools with an oauth2 credential', () => {
  it('lists and calls with the access token; a listing answered 401 refreshes once and goes on', async () => {
    const { server } = await connect('mcp-cred');
    const first = await runGenie({ tools: [], mcp_servers: [tracker('mcp-cred')] }, [
      toolUse([{ name: 'mcp__tracker__list_issues', input: { project: 'web' } }]),
      text('done'),
    ]);
    expect(first.run.status).toBe('succeeded');
    expect(first.run.warnings).toEqual([]);
    expect(first.results(1)[0]).toMatchObject({ isError: false, content: 'web: #1 Login fails, #2 Slow search' });
    expect(server.tokenRequests).toHaveLength(1);
    expect(mcp.calls.at(-1)!.authorization).toBe(`Bearer ${server.issuedAccessTokens[0]}`);

    server.revokeAccessTokens();
    const second = await runGenie({ tools: [], mcp_servers: [tracker('mcp-cred')] }, [
      toolUse([{ name: 'mcp__tracker__list_issues', input: { project: 'api' } }]),
      text('done'),
    ]);
    expect(second.run.warnings).toEqual([]);
    expect(second.results(1)[0]).toMatchObject({ isError: false, content: 'api: #1 Login fails, #2 Slow search' });
    expect(server.tokenRequests).toHaveLength(2);
    expect(mcp.calls.at(-1)!.authorization).toBe(`Bearer ${server.issuedAccessTokens[1]}`);
  });

  it('retries a call answered 401 once with a fresh token; a second 401 is an is_error result', async () => {
    const { server } = await connect('mcp-call');
    expect(await callTracker('mcp-call')).toEqual({ isError: false, result: 'web: #1 Login fails, #2 Slow search' });
    expect(server.tokenRequests).toHaveLength(1);

    server.revokeAccessTokens();
    const calls = mcp.calls.length;
    expect(await callTracker('mcp-call')).toEqual({ isError: false, result: 'web: #1 Login fails, #2 Slow search' });
    expect(server.tokenRequests).toHaveLength(2);
    expect(mcp.calls.length).toBe(calls + 1);
    expect(mcp.calls.at(-1)!.authorization).toBe(`Bearer ${server.issuedAccessTokens[1]}`);

    const authorize = mcp.authorize;
    mcp.authorize = () => false; // refuses every token, fresh or not
    try {
      const requests = mcp.requests.length;
      const refused = await callTracker('mcp-call');
      expect(refused).toEqual({
        isError: true,
        result: 'The MCP server "tracker" refused the credential (HTTP 401). The call was not made.',
      });
      expect(server.tokenRequests).toHaveLength(3);
      expect(mcp.requests.length - requests).toBe(2);
    } finally {
      mcp.authorize = authorize;
    }
  });

  it('makes one token request for concurrent calls, in one process and across processes', async () => {
    const { server } = await connect('parallel');
    server.delayMs = 300;
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => callTracker('parallel')));
    for (const outcome of outcomes) expect(outcome.isError).toBe(false);
    expect(server.tokenRequests).toHaveLength(1);

    // Another process: its own copy of the module (its own in-process single flight), so only the
    // credential's row lock keeps the two from both refreshing (and the second from a spent token).
    server.revokeAccessTokens();
    let other!: typeof tokens;
    jest.isolateModules(() => {
      other = jest.requireActual<typeof tokens>('../../activities/tools/oauth2-tokens');
    });
    expect(other.oauth2AccessToken).not.toBe(tokens.oauth2AccessToken);
    const row = await h.db('credentials').where({ owner_id: user.id, name: 'parallel' }).first();
    const deps = testToolDeps(h.db, { fetchPolicy });
    const rejected = server.issuedAccessTokens[0]!;
    const both = await Promise.all([
      tokens.oauth2AccessToken(deps, row, { rejected }),
      other.oauth2AccessToken(deps, row, { rejected }),
    ]);
    expect(server.tokenRequests.map((r) => r.status)).toEqual([200, 200]);
    const fresh = server.issuedAccessTokens[1];
    expect(both).toEqual([
      expect.objectContaining({ accessToken: fresh }),
      expect.objectContaining({ accessToken: fresh }),
    ]);
  });
});

describe('a refresh token the token endpoint refuses (invalid_grant)', () => {
  it('makes the credential needs_reauth, tells its owner once, and gives each call an is_error result', async () => {
    const { server } = await connect('revoked');
    server.refuseWith = 'invalid_grant';
    const notificationsBefore = (await call('GET', '/v1/notifications?limit=100')).body.data.items.length;
    const needsReauth =
      'Credential "revoked" needs to be connected again (its refresh token was refused); its owner must store it again.';

    const { results } = await runGenie({ tools: ['web_fetch'], credential_refs: ['revoked'] }, [
      toolUse([
        fetchWith('revoked', '/echo?r=1'),
        fetchWith('revoked', '/echo?r=2'),
        fetchWith('revoked', '/echo?r=3'),
      ]),
      toolUse([fetchWith('revoked', '/echo?r=4')]),
      text('done'),
    ]);
    expect([...results(1), ...results(2)]).toEqual(
      Array(4).fill(expect.objectContaining({ isError: true, content: needsReauth }))
    );
    expect(await callTracker('revoked')).toEqual({ isError: true, result: needsReauth });
    const listing = await runGenie({ tools: [], mcp_servers: [tracker('revoked')] }, [text('nothing to do')]);
    expect(listing.run.warnings).toEqual([{ type: 'mcp_unavailable', server: 'tracker', message: needsReauth }]);
    const tested = await call('POST', '/v1/credentials/revoked/test', {});
    expect(tested.body.data).toEqual({ ok: false, error: needsReauth });

    expect(server.tokenRequests).toHaveLength(1); // refused once; nothing is asked of it again
    expect(echo.seen.filter((r) => r.url.startsWith('/echo?r='))).toEqual([]);
    expect((await listed('revoked')).status).toBe('needs_reauth');
    const notifications = (await call('GET', '/v1/notifications?limit=100')).body.data.items as any[];
    expect(notifications).toHaveLength(notificationsBefore + 1);
    expect(notifications.filter((n) => n.subject.includes('"revoked"'))).toEqual([
      expect.objectContaining({
        subject: 'Credential "revoked" needs to be connected again',
        message: expect.stringContaining('store it again'),
        channel: 'dashboard',
        priority: 'high',
      }),
    ]);

    // Stored again, it is ok and works again.
    server.refuseWith = undefined;
    const stored = await call('POST', '/v1/credentials', {
      name: 'revoked',
      replace: true,
      credential_type: 'oauth2',
      token_url: `http://auth.test:${server.port}/token`,
      client_id: server.options.clientId,
      client_secret: server.options.clientSecret,
      refresh_token: server.grantRefreshToken(),
      allowed_hosts: ['api.test', 'mcp.test'],
    });
    expect(stored.status).toBe(200);
    expect(stored.body.data).toMatchObject({ status: 'ok', scope: null });
    expect((await call('POST', '/v1/credentials/revoked/test', {})).body.data).toMatchObject({ ok: true });
    expect(await callTracker('revoked')).toMatchObject({ isError: false });
  });
});

describe('secrets', () => {
  it('keeps every token and client secret out of answers, steps, approvals, runs, logs and Temporal history', async () => {
    // One more run, with a call held for approval, so approvals are looked at too.
    const { server } = await connect('gated');
    const { genie, marker } = await createScriptedGenie(h, user, {
      tools: [],
      mcp_servers: [tracker('gated', { approval: 'writes' })],
    });
    fake.script(marker, [
      toolUse([{ name: 'mcp__tracker__create_issue', input: { title: 'Fix login' } }]),
      text('Filed.'),
    ]);
    const { run_id } = await startRun(h, user, genie.id);
    runIds.push(run_id);
    const waiting = await waitForRun(h, user, run_id, {
      until: (r) => r.status === 'waiting_approval' && r.approvals.length > 0,
    });
    expect((await call('POST', `/v1/approvals/${waiting.approvals[0].id}/approve`, {})).status).toBe(200);
    expect((await waitForRun(h, user, run_id)).status).toBe('succeeded');
    expect(server.tokenRequests.length).toBeGreaterThan(0);

    const codec = new AesGcmPayloadCodec(parseKeys(TEST_PAYLOAD_KEYS));
    const histories: string[] = [];
    const details: unknown[] = [];
    for (const runId of runIds) {
      const detail = (await call('GET', `/v1/runs/${runId}`)).body.data;
      details.push(detail);
      const history = await h.temporal.workflow.getHandle(detail.workflow_id).fetchHistory();
      const decoded = await codec.decode(
        encryptedPayloadsIn(history).map((p) => ({ metadata: p.metadata ?? {}, data: p.data ?? new Uint8Array() }))
      );
      histories.push(JSON.stringify(history), ...decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')));
    }
    await call('GET', '/v1/credentials');
    await call('GET', '/v1/notifications?limit=100');
    const places: Record<string, string> = {
      'API answers': JSON.stringify(answers),
      'run details': JSON.stringify(details),
      'model requests': JSON.stringify(fake.requests.map((r) => r.body)),
      run_steps: JSON.stringify(await h.db('run_steps').whereIn('run_id', runIds)),
      run_messages: JSON.stringify(await h.db('run_messages').whereIn('run_id', runIds)),
      runs: JSON.stringify(await h.db('runs').whereIn('id', runIds)),
      approvals: JSON.stringify(await h.db('approvals').whereIn('run_id', runIds)),
      notifications: JSON.stringify(await h.db('notifications').where({ owner_id: user.id })),
      credentials: JSON.stringify(await h.db('credentials').where({ owner_id: user.id })),
      logs: logs.join('\n'),
      'temporal history': histories.join('\n'),
    };
    const secrets = servers.flatMap((s) => s.allSecrets());
    expect(secrets.length).toBeGreaterThan(20);
    const forbidden = [...new Set(secrets.flatMap(secretForms))];
    const leaks = Object.entries(places).flatMap(([place, content]) =>
      forbidden.filter((form) => content.includes(form)).map((form) => `${place}: ${form}`)
    );
    expect(leaks).toEqual([]);
    expect(logs.length).toBeGreaterThan(0);
  });
});
