import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { spawnNodeChild, waitForReady } from '../../dev/stack';
import { parseConfig } from '../../platform/config';
import { freePort } from '../../platform/ports';
import { createTemporalClient, pingTemporal } from '../../temporal/client';
import { diagnoseTemporal } from '../../temporal/connection';
import { text, toolUse } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';
import { makeTestCertificates, TemporalTlsProxy, type TestCertificates } from '../support/temporal-tls-proxy';

/**
 * A secured Temporal — mTLS, or TLS with an API key as on Temporal Cloud — played by a TLS proxy in
 * front of the suite's plain dev server. The worker, the API's client and `temporal check` reach it
 * with the TEMPORAL_TLS_* / TEMPORAL_API_KEY variables, and say in one line which one is wrong.
 */
const ROOT = path.resolve(__dirname, '../..');
const API_KEY = 'test-cloud-api-key-0123456789';
let certs: TestCertificates;
let mtls: TemporalTlsProxy; // wants a client certificate signed by the test CA
let keyed: TemporalTlsProxy; // wants `authorization: Bearer API_KEY`
// The harness's own client stays on the plain address; the workers are processes of their own.
const { fake, h, taskQueue, createUser } = useStack();
let user: TestUser;

beforeAll(async () => {
  certs = makeTestCertificates();
  const target = process.env.TEMPORAL_ADDRESS!;
  mtls = await new TemporalTlsProxy({ target, certs, requireClientCert: true }).start();
  keyed = await new TemporalTlsProxy({ target, certs, apiKey: API_KEY }).start();
  user = await createUser('tls');
});
afterAll(async () => {
  await mtls?.close();
  await keyed?.close();
  certs?.remove();
});

/** The environment for mTLS through `mtls`, with `overrides` (undefined: unset). */
function mtlsEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    TEMPORAL_ADDRESS: mtls.address,
    TEMPORAL_TLS_CA: certs.ca,
    TEMPORAL_TLS_CERT: certs.clientCert,
    TEMPORAL_TLS_KEY: certs.clientKey,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    ...overrides,
  };
}

/** The environment for TLS + API key through `keyed`. */
function keyedEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    TEMPORAL_ADDRESS: keyed.address,
    TEMPORAL_TLS_CA: certs.ca,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_API_KEY: API_KEY,
    ...overrides,
  };
}

/** process.env with `overrides` applied (an undefined value removes the variable). */
function envWith(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error', NO_COLOR: '1' };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** `npm run cli -- temporal check`, with a database URL nothing answers: the command must not need one. */
function temporalCheck(
  overrides: Record<string, string | undefined>
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'temporal', 'check'], {
      cwd: ROOT,
      env: envWith({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', GENIE_DATA_DIR: certs.dir, ...overrides }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** bin/worker.ts with these settings, expected to fail at boot: its exit code and all it printed. */
async function failingWorker(name: string, overrides: Record<string, string | undefined>) {
  const logFile = path.join(certs.dir, `worker-${name}.log`);
  const worker = spawnNodeChild('worker', envWith({ TEMPORAL_TASK_QUEUE: taskQueue, ...overrides }), logFile);
  const code = await Promise.race([
    worker.exited,
    new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 60_000)),
  ]);
  await worker.stop(1000);
  return { code, output: fs.readFileSync(logFile, 'utf8') };
}

/** One line, naming the variable, no stack trace. */
function expectOneClearLine(output: string, prefix: string, variable: string): void {
  const lines = output.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${prefix}: Cannot connect to Temporal at 127\\.0\\.0\\.1:\\d+ over TLS: `));
  expect(lines[0]).toContain(variable);
  expect(output).not.toContain('\n    at ');
}

describe('mTLS', () => {
  it('the worker entry point connects with a client certificate and runs a genie to the end', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { tools: ['memory_write'] });
    fake.script(marker, [
      toolUse([{ name: 'memory_write', input: { key: 'tls', value: 'through the proxy' } }]),
      text('Done over mTLS.'),
    ]);
    const before = mtls.forwardedCalls;
    const worker = spawnNodeChild(
      'worker',
      envWith({
        ...mtlsEnv(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_API_KEY: 'sk-ant-fake-tls-test',
      })
    );
    try {
      await waitForReady(worker, 120_000);
      const { run_id } = await startRun(h, user, genie.id, 'remember, over TLS');
      const run = await waitForRun(h, user, run_id, { timeoutMs: 60_000 });
      expect(run).toMatchObject({ status: 'succeeded', output: 'Done over mTLS.' });
      const [memory] = await h.db('memory').where({ owner_id: user.id, key: 'tls' });
      expect(memory?.written_by_run_id).toBe(run_id);
      // The worker polled, and reported the tasks' results, through the proxy only.
      expect(mtls.forwardedCalls - before).toBeGreaterThan(5);
    } finally {
      await worker.stop();
    }
  }, 150_000);

  it('temporal check reports the server, the namespace and the search attributes, with no database', async () => {
    const result = await temporalCheck(mtlsEnv());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Temporal at 127\.0\.0\.1:\d+: server \d+\.\d+\.\d+, TLS \(.*client certificate/m);
    expect(result.stdout).toContain('Namespace: default');
    expect(result.stdout).toMatch(
      /^Search attributes: GenieId, GenieOwnerId, GenieTriggerType, GenieName registered$/m
    );
  });

  it('a wrong CA: the worker and temporal check stop with one line naming TEMPORAL_TLS_CA', async () => {
    const env = mtlsEnv({ TEMPORAL_TLS_CA: certs.otherCa });
    const [worker, check] = await Promise.all([failingWorker('wrong-ca', env), temporalCheck(env)]);
    expect(worker.code).toBe(1);
    expectOneClearLine(worker.output, 'worker', "the server's certificate is not signed by TEMPORAL_TLS_CA");
    expect(check.code).toBe(1);
    expectOneClearLine(check.stderr, 'cli', "the server's certificate is not signed by TEMPORAL_TLS_CA");
  }, 90_000);

  it('no client certificate: the worker and temporal check stop with one line naming TEMPORAL_TLS_CERT', async () => {
    // The server's alert may or may not reach the client before the connection closes: either way
    // the line says to set the client certificate.
    const env = mtlsEnv({ TEMPORAL_TLS_CERT: undefined, TEMPORAL_TLS_KEY: undefined });
    const [worker, check] = await Promise.all([failingWorker('no-cert', env), temporalCheck(env)]);
    expect(worker.code).toBe(1);
    expectOneClearLine(worker.output, 'worker', 'client certificate: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY');
    expect(check.code).toBe(1);
    expectOneClearLine(check.stderr, 'cli', 'client certificate: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY');
  }, 90_000);
});

describe('TLS with an API key (Temporal Cloud)', () => {
  it('createTemporalClient sends TEMPORAL_API_KEY over TLS: pingTemporal answers', async () => {
    const client = createTemporalClient(parseConfig(keyedEnv()));
    const before = keyed.forwardedCalls;
    try {
      await pingTemporal(client, 5000);
      expect(keyed.forwardedCalls).toBeGreaterThan(before);
    } finally {
      await client.connection.close();
    }
  });

  it('temporal check connects with the key', async () => {
    const result = await temporalCheck(keyedEnv());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Temporal at 127\.0\.0\.1:\d+: server .*, TLS \(.*API key\)$/m);
    expect(result.stdout).toContain('Namespace: default');
  });

  it('a wrong or missing key: one line naming TEMPORAL_API_KEY (CLI, worker, the API client)', async () => {
    const wrong = keyedEnv({ TEMPORAL_API_KEY: 'not-the-key' });
    const missing = keyedEnv({ TEMPORAL_API_KEY: undefined });
    const [wrongCheck, missingCheck, worker] = await Promise.all([
      temporalCheck(wrong),
      temporalCheck(missing),
      failingWorker('wrong-key', wrong),
    ]);
    expect(wrongCheck.code).toBe(1);
    expectOneClearLine(wrongCheck.stderr, 'cli', 'the server refused TEMPORAL_API_KEY');
    expect(wrongCheck.stderr).not.toContain('not-the-key');
    expect(missingCheck.code).toBe(1);
    expectOneClearLine(missingCheck.stderr, 'cli', 'the server requires credentials: set TEMPORAL_API_KEY');
    expect(worker.code).toBe(1);
    expectOneClearLine(worker.output, 'worker', 'the server refused TEMPORAL_API_KEY');

    const client = createTemporalClient(parseConfig(wrong));
    try {
      const err = await pingTemporal(client).then(
        () => undefined,
        (e: unknown) => e
      );
      expect(err).toBeDefined();
      expect((await diagnoseTemporal(client, err)).line).toContain('the server refused TEMPORAL_API_KEY');
    } finally {
      await client.connection.close();
    }
  }, 90_000);
});

describe('the API entry point', () => {
  it('/healthz is 200 with the key; 503 with a wrong key or CA, and one warning says why', async () => {
    const startApi = async (name: string, env: Record<string, string | undefined>) => {
      const port = await freePort();
      const logFile = path.join(certs.dir, `api-${name}.log`);
      const handle = spawnNodeChild('api', envWith({ ...env, PORT: String(port), LOG_LEVEL: 'warn' }), logFile);
      const warnings = () =>
        (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '')
          .split('\n')
          .filter((line) => line.includes('health check: Cannot connect to Temporal'));
      return { handle, logFile, warnings, url: `http://127.0.0.1:${port}/healthz` };
    };
    const healthz = (url: string) =>
      fetch(url, { signal: AbortSignal.timeout(10_000) }).then(
        (res) => res.status,
        () => 0
      );
    const apis = await Promise.all([
      startApi('good-key', keyedEnv()),
      startApi('wrong-key', keyedEnv({ TEMPORAL_API_KEY: 'not-the-key' })),
      startApi('wrong-ca', mtlsEnv({ TEMPORAL_TLS_CA: certs.otherCa })),
    ]);
    const [good, wrongKey, wrongCa] = apis;
    try {
      const expected = [200, 503, 503];
      const deadline = Date.now() + 60_000;
      let statuses: number[] = [];
      while (Date.now() < deadline) {
        statuses = await Promise.all(apis.map((api) => healthz(api.url)));
        if (statuses.every((status, i) => status === expected[i])) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(statuses).toEqual(expected);
      // More failing checks: the same reason is not logged again.
      for (let i = 0; i < 3; i++) expect(await healthz(wrongKey.url)).toBe(503);
      while ((wrongKey.warnings().length === 0 || wrongCa.warnings().length === 0) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(wrongKey.warnings()).toHaveLength(1);
      expect(wrongKey.warnings()[0]).toContain('the server refused TEMPORAL_API_KEY');
      expect(fs.readFileSync(wrongKey.logFile, 'utf8')).not.toContain('not-the-key');
      // A retried call ends as "deadline exceeded"; the API finds the TLS reason under it.
      expect(wrongCa.warnings()).toHaveLength(1);
      expect(wrongCa.warnings()[0]).toContain("the server's certificate is not signed by TEMPORAL_TLS_CA");
      expect(good.warnings()).toHaveLength(0);
    } finally {
      await Promise.all(apis.map((api) => api.handle.stop()));
    }
  }, 90_000);
});
