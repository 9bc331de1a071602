import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { authenticateApiKey } from '../../db/repositories/api-keys';
import { spawnNodeChild, waitForReady } from '../../dev/stack';
import { freePort } from '../../platform/ports';
import { useStack } from '../support/stack';

const ROOT = path.resolve(__dirname, '../..');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const lastLine = (text: string) => text.trim().split('\n').pop()!;

const { h } = useStack({ fake: false });

describe('npm run cli -- api-key create', () => {
  it('creates the user and a working key, printed on the last line', async () => {
    const email = `cli-${Date.now()}@example.test`;
    const result = await run('npm', ['run', '--silent', 'cli', '--', 'api-key', 'create', '--email', email]);
    expect(result.code).toBe(0);
    const key = lastLine(result.stdout);
    expect(key).toMatch(/^hg_live_[A-Za-z0-9_-]{40}$/);
    const userId = await authenticateApiKey(h.db, key);
    expect(userId).toEqual(expect.any(String));
    expect((await h.db('users').where({ id: userId }).first()).email).toBe(email);
    expect((await h.call('GET', '/v1/worker-genies', { key })).status).toBe(200);

    const again = await run(process.execPath, [
      '--import',
      'tsx',
      'bin/cli.ts',
      'api-key',
      'create',
      '--email',
      email.toUpperCase(),
    ]);
    expect(await authenticateApiKey(h.db, lastLine(again.stdout))).toBe(userId);
  });

  it('lists a user’s keys and revokes one by id (api-key list / revoke)', async () => {
    const email = `cli-keys-${Date.now()}@example.test`;
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args]);
    const first = lastLine((await cli('api-key', 'create', '--email', email, '--name', 'one')).stdout);
    const second = lastLine((await cli('api-key', 'create', '--email', email, '--name', 'two')).stdout);
    const listed = await cli('api-key', 'list', '--email', email);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(listed.stdout).not.toContain(first.slice('hg_live_'.length));
    const twoId = lines.find((line) => line.includes('  two  '))!.split('  ')[0]!;
    const revoked = await cli('api-key', 'revoke', '--id', twoId);
    expect(revoked.code).toBe(0);
    expect((await h.call('GET', '/v1/worker-genies', { key: second })).status).toBe(401);
    expect((await h.call('GET', '/v1/worker-genies', { key: first })).status).toBe(200);
    expect((await cli('api-key', 'list', '--email', email)).stdout).toMatch(/two .*REVOKED/);
    const again = await cli('api-key', 'revoke', '--id', twoId);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`No active API key ${twoId}`);
  });

  it('explains its usage for a bad command or a missing email', async () => {
    const unknown = await run(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Usage: npm run cli -- <command>');
    const noEmail = await run(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'api-key', 'create']);
    expect(noEmail.code).toBe(1);
    expect(noEmail.stderr).toContain('api-key create needs --email EMAIL');
  });

  it('starts the embedded Postgres of the data dir for the command when none runs, and keeps its data', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genie-cli-'));
    fs.chmodSync(dir, 0o755);
    try {
      const env = { DATABASE_URL: '', GENIE_DATA_DIR: path.join(dir, 'data'), GENIE_PG_PORT: String(await freePort()) };
      const args = ['--import', 'tsx', 'bin/cli.ts', 'api-key', 'create', '--email', 'solo@example.test'];
      const first = await run(process.execPath, args, env);
      expect(first.code).toBe(0);
      expect(first.stderr).toContain('Starting the embedded Postgres');
      const user = /\(user ([0-9a-f-]{36})\)/.exec(first.stdout)![1];
      const second = await run(process.execPath, args, env);
      expect(second.code).toBe(0);
      expect(/\(user ([0-9a-f-]{36})\)/.exec(second.stdout)![1]).toBe(user);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('npm run cli -- seed-demo', () => {
  it('loads a demo business for the user once', async () => {
    const email = `demo-${Date.now()}@example.test`;
    const first = await run(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'seed-demo', '--email', email]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /Loaded demo data for .*: 5 agents, 300 leads, \d+ lead_activities, 150 call_logs, 100 conversations, 8 documents, 200 email_logs/
    );
    const user = await h.db('users').whereRaw('lower(email) = lower(?)', [email]).first();
    expect(Number((await h.db('leads').where({ owner_id: user.id }).count({ n: '*' }))[0]!.n)).toBe(300);
    const again = await run(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'seed-demo', '--email', email]);
    expect(again.stdout).toContain('already has the demo data');
    expect(Number((await h.db('leads').where({ owner_id: user.id }).count({ n: '*' }))[0]!.n)).toBe(300);
  });
});

describe('production entry points', () => {
  it('npm run migrate reports an up-to-date database', async () => {
    const result = await run('npm', ['run', '--silent', 'migrate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Database is up to date.');
  });

  it.each([
    ['bin/api.ts', { PORT: 'abc' }, 'PORT'],
    ['bin/worker.ts', { TEMPORAL_ADDRESS: 'nonsense' }, 'TEMPORAL_ADDRESS'],
    ['bin/api.ts', { DATABASE_URL: 'mysql://db' }, 'DATABASE_URL'],
  ])('%s stops at boot with one line naming a malformed variable', async (entry, env, name) => {
    const result = await run(process.execPath, ['--import', 'tsx', entry], env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`Invalid configuration: ${name} `);
  });

  it('the worker polls its task queue and stops cleanly on SIGTERM', async () => {
    const taskQueue = `entry-points-${Date.now()}`;
    const worker = spawnNodeChild('worker', { ...process.env, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'warn' });
    try {
      await waitForReady(worker, 120_000);
      const { pollers } = await h.temporal.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      expect(pollers?.length).toBeGreaterThan(0);
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
  }, 150_000);

  it('the API serves on PORT and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const api = spawnNodeChild('api', { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' });
    try {
      const deadline = Date.now() + 60_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (res) => res.status,
          () => 0
        );
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(status).toBe(200);
    } finally {
      api.child.kill('SIGTERM');
    }
    expect(await api.exited).toBe(0);
  }, 90_000);
});
