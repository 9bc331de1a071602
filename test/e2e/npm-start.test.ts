import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { isPortFree } from '../../platform/ports';
import { freePortOutsideEphemeralRange } from '../support/ports';
import { requireTemporalCli } from '../../dev/temporal-cli';
import { FakeAnthropic } from '../fakes/anthropic';
import { launchBrowser } from '../support/browser';
import { WORKER_CRASHES_AFTER_READY } from '../support/faults';

const ROOT = path.resolve(__dirname, '../..');

interface RunningStack {
  child: ChildProcess;
  output: () => string;
  /** Resolves when every process writing to npm's output (npm, its shell, the supervisor) is gone. */
  closed: Promise<void>;
}

/** Runs `npm start` as a user would, in its own process group, and waits for the printed dev key. */
async function npmStart(env: NodeJS.ProcessEnv): Promise<RunningStack & { key: string; apiUrl: string }> {
  // A stack stopped by the test before may still be letting go of a port (a worker draining).
  await waitForPortsFree(env);
  const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, ...env }, detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.stdout.once('close', () => resolve()));
  const deadline = Date.now() + 150_000;
  while (!/Press Ctrl-C to stop/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone with its group
      }
      // What the stack's own logs say (the Temporal dev server's, say), for whoever reads the failure.
      const logs = path.join(env.GENIE_DATA_DIR ?? '', 'logs');
      const tails = fs.existsSync(logs)
        ? fs
            .readdirSync(logs)
            .map((file) => `--- ${file}:\n${fs.readFileSync(path.join(logs, file), 'utf8').slice(-2000)}`)
            .join('\n')
        : '';
      throw new Error(`npm start did not come up:\n${output}\n${tails}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const key = /^(hg_live_\S+)$/m.exec(output)![1]!;
  const apiUrl = /API\s+(http:\/\/\S+)/.exec(output)![1]!;
  return { child, output: () => output, closed, key, apiUrl };
}

/**
 * SIGTERM to the whole `npm start` process group, as a service manager sends it, or to npm alone,
 * as `kill <pid>` does. Either way the supervisor must stop every child and say so.
 */
async function stop(stack: RunningStack, target: 'group' | 'npm'): Promise<void> {
  process.kill(target === 'group' ? -stack.child.pid! : stack.child.pid!, 'SIGTERM');
  await stack.closed;
  expect(stack.output()).toContain('Stopped.');
}

const STACK_PORTS = ['PORT', 'GENIE_PG_PORT', 'TEMPORAL_DEV_PORT', 'TEMPORAL_UI_PORT', 'GENIE_WORKER_METRICS_PORT'];

/** Waits (up to 30 s) until every port of the stack is free. */
async function waitForPortsFree(env: NodeJS.ProcessEnv): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const name of STACK_PORTS) {
    const port = Number(env[name]);
    while (port > 0 && !(await isPortFree(port)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function expectPortsFree(env: NodeJS.ProcessEnv): Promise<void> {
  for (const name of ['PORT', 'GENIE_PG_PORT', 'TEMPORAL_DEV_PORT', 'TEMPORAL_UI_PORT']) {
    expect([name, await isPortFree(Number(env[name]))]).toEqual([name, true]);
  }
}

const json = async (res: Response) => (await res.json()) as any;

/** Waits until the stack's output matches `pattern` (counting from `from` characters in). */
async function waitForOutput(stack: RunningStack, pattern: RegExp, from = 0, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(stack.output().slice(from))) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${stack.output().slice(from)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Pids of processes whose command line matches `pattern`. */
/** The processes descended from `root` (itself included), from `ps`. */
function treeOf(root: number): Set<number> {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='])
    .toString()
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of rows) {
      if (tree.has(ppid!) && !tree.has(pid!)) {
        tree.add(pid!);
        grew = true;
      }
    }
  }
  return tree;
}

/** Processes whose command line matches `pattern`; with `root`, only that stack's (not another npm start's). */
function pidsOf(pattern: string, root?: number): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-f', '--', pattern]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  if (root === undefined) return pids;
  const tree = treeOf(root);
  return pids.filter((pid) => tree.has(pid));
}

/** Whether `pid` is a live process (a zombie nobody reaped yet counts as gone). */
function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** A process's command line, for a failure message. */
function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(gone)';
  }
}

async function waitForHealth(apiUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${apiUrl}/healthz`).then(
      (res) => res.status,
      () => 0
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${apiUrl}/healthz did not answer 200 again`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('npm start', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let fake: FakeAnthropic;

  beforeAll(async () => {
    fake = await new FakeAnthropic().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genie-e2e-'));
    fs.chmodSync(dir, 0o755);
    env = {
      GENIE_DATA_DIR: path.join(dir, 'data'),
      PORT: String(await freePortOutsideEphemeralRange()),
      GENIE_PG_PORT: String(await freePortOutsideEphemeralRange()),
      TEMPORAL_DEV_PORT: String(await freePortOutsideEphemeralRange()),
      TEMPORAL_UI_PORT: String(await freePortOutsideEphemeralRange()),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      GENIE_PAYLOAD_KEYS: '', // the dev stack makes its own, in its data dir
      GENIE_WORKER_METRICS_PORT: String(await freePortOutsideEphemeralRange()),
      LOG_LEVEL: 'warn',
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'sk-ant-fake-e2e',
    };
  });
  afterAll(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the whole stack, stops on SIGTERM, and finds its data again on the next start', async () => {
    const first = await npmStart(env);
    try {
      await exerciseFirstStack(first);
      await killEachChild(first);
    } catch (err) {
      await stop(first, 'group').catch(() => undefined);
      throw err;
    }
    await stop(first, 'group');
    await expectPortsFree(env);

    const second = await npmStart(env);
    try {
      expect(second.key).toBe(first.key);
      const headers = { authorization: `Bearer ${second.key}` };
      const listed = await json(await fetch(`${second.apiUrl}/v1/worker-genies`, { headers }));
      expect(listed.data.items.map((g: { name: string }) => g.name)).toEqual(['Survivor']);
    } finally {
      await stop(second, 'npm');
    }
    await expectPortsFree(env);
  }, 400_000);

  /**
   * kill -9 of the worker, the Temporal dev server, Postgres and the API, one after another: each is
   * restarted by the supervisor, the stack answers healthy again, and a run still goes through.
   */
  async function killEachChild(stack: Awaited<ReturnType<typeof npmStart>>): Promise<void> {
    // npm start runs the compiled entry points (dist/bin/*.js).
    const targets: Array<[string, string]> = [
      ['worker', 'dist/bin/worker\\.js'],
      ['temporal', `^[^ ]*temporal server start-dev --ip 127.0.0.1 --port ${env.TEMPORAL_DEV_PORT} `],
      ['postgres', `^[^ ]*postgres -D ${env.GENIE_DATA_DIR}`],
      ['api', 'dist/bin/api\\.js'],
    ];
    for (const [name, pattern] of targets) {
      const pids = pidsOf(pattern, stack.child.pid);
      expect([name, pids.length]).toEqual([name, 1]);
      const mark = stack.output().length;
      process.kill(pids[0]!, 'SIGKILL');
      await waitForOutput(stack, new RegExp(`${name} exited .*restarting it`), mark);
      await waitForOutput(stack, new RegExp(`${name} is running again`), mark);
      await waitForHealth(stack.apiUrl);
    }
    const headers = { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' };
    const [genie] = (await json(await fetch(`${stack.apiUrl}/v1/worker-genies`, { headers }))).data.items;
    const started = await json(
      await fetch(`${stack.apiUrl}/v1/worker-genies/${genie.id}/run`, { method: 'POST', headers, body: '{}' })
    );
    let run: any;
    for (let i = 0; i < 300 && !['succeeded', 'failed'].includes(run?.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      run = (await json(await fetch(`${stack.apiUrl}/v1/runs/${started.data.run_id}`, { headers }))).data;
    }
    expect(run.status).toBe('succeeded');
  }

  it('leaves nothing running when the supervisor itself is killed outright', async () => {
    const stack = await npmStart(env);
    const supervisor = pidsOf(`dist/bin/dev\\.js`, stack.child.pid).filter((pid) => pid !== stack.child.pid);
    expect(supervisor.length).toBeGreaterThan(0);
    for (const pid of supervisor) process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (pidsOf(env.GENIE_DATA_DIR!).length > 0 || pidsOf(`--port ${env.TEMPORAL_DEV_PORT}`).length > 0) {
      if (Date.now() > deadline) throw new Error('children outlived their supervisor');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await expectPortsFree(env);
    try {
      process.kill(-stack.child.pid!, 'SIGKILL');
    } catch {
      // npm is gone already: the supervisor was its own child (the script execs it)
    }
  }, 200_000);

  /**
   * kill -9 of npm alone, and whoever read its output gone too (a terminal tab, an IDE's task, a
   * script closed): npm's shell, the supervisor and every child must go within 30 s, though nobody
   * signalled them and the supervisor has nothing to write.
   */
  it('leaves nothing running when npm is killed outright and its output closed', async () => {
    const stack = await npmStart(env);
    const npmPid = stack.child.pid!;
    const tree = [...treeOf(npmPid)];
    expect(tree.length).toBeGreaterThan(5); // npm, the supervisor, Postgres, Temporal, the API, the worker…
    process.kill(npmPid, 'SIGKILL');
    stack.child.stdout!.destroy();
    stack.child.stderr!.destroy();
    const left = () => [
      ...new Set([
        ...tree.filter(isRunning),
        ...pidsOf(env.GENIE_DATA_DIR!),
        ...pidsOf(`--port ${env.TEMPORAL_DEV_PORT}`),
      ]),
    ];
    const deadline = Date.now() + 30_000;
    while (left().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    const survivors = left();
    const described = survivors.map((pid) => `${pid} ${commandOf(pid)}`);
    for (const pid of survivors) process.kill(pid, 'SIGKILL'); // not to disturb the next test
    expect(described).toEqual([]);
    await expectPortsFree(env);
  }, 200_000);

  it('stops everything and exits 1 when a child crash-loops', async () => {
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        NODE_OPTIONS: `--require ${WORKER_CRASHES_AFTER_READY}`, // test/support/faults
        GENIE_WORKER_METRICS_PORT: '0', // each restart would race the last for the port
        GENIE_RESTART_BACKOFF_MS: '100',
      },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain('worker exited (3) and keeps crashing (5 restarts within 60s); stopping the stack.');
    expect(stderr.match(/worker is running again/g)).toHaveLength(5);
    await expectPortsFree(env);
  }, 200_000);

  /** Uses the first stack as a user would: health, the UI, a genie, a run, the Temporal CLI. */
  async function exerciseFirstStack(first: Awaited<ReturnType<typeof npmStart>>): Promise<void> {
    expect(first.output()).toContain(`Temporal UI  http://localhost:${env.TEMPORAL_UI_PORT}`);
    expect((await fetch(`${first.apiUrl}/healthz`)).status).toBe(200);
    const ui = await fetch(`http://localhost:${env.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);

    const headers = { authorization: `Bearer ${first.key}`, 'content-type': 'application/json' };
    const created = await fetch(`${first.apiUrl}/v1/worker-genies`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Survivor', soul_prompt: 'Outlive restarts.' }),
    });
    expect(created.status).toBe(201);
    const genie = (await json(created)).data;
    const listed = await json(await fetch(`${first.apiUrl}/v1/worker-genies`, { headers }));
    expect(listed.data.items.map((g: { id: string }) => g.id)).toEqual([genie.id]);

    // A run through the stack's own worker, against the fake Messages API (its default demo reply
    // saves the input to memory, then reports).
    const started = await json(
      await fetch(`${first.apiUrl}/v1/worker-genies/${genie.id}/run`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ input: 'hello from e2e' }),
      })
    );
    let run: any;
    for (let i = 0; i < 150 && !['succeeded', 'failed'].includes(run?.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      run = (await json(await fetch(`${first.apiUrl}/v1/runs/${started.data.run_id}`, { headers }))).data;
    }
    // The fake's demo genie: query_data, then notify_owner, then its answer.
    expect(run).toMatchObject({ status: 'succeeded', turns: 3 });
    expect(run.steps.map((s: any) => s.tool ?? s.kind)).toEqual([
      'model',
      'query_data',
      'model',
      'notify_owner',
      'model',
    ]);
    // Its payloads are encrypted; the stack's codec server (open to this machine) reads them back.
    const describe = (...extra: string[]) =>
      execFileSync(requireTemporalCli(), [
        'workflow',
        'describe',
        '--workflow-id',
        started.data.workflow_id,
        '--address',
        `127.0.0.1:${env.TEMPORAL_DEV_PORT}`,
        '-o',
        'json',
        ...extra,
      ]).toString();
    // Both processes serve Prometheus metrics, and the run shows in them.
    const apiMetrics = await (await fetch(`${first.apiUrl}/metrics`)).text();
    expect(apiMetrics).toMatch(
      /genie_http_requests_total\{method="POST",route="\/v1\/worker-genies\/:id\/run",status="202"\} 1/
    );
    expect(first.output()).toContain(`http://localhost:${env.GENIE_WORKER_METRICS_PORT}/metrics (worker)`);
    const workerMetrics = await (await fetch(`http://127.0.0.1:${env.GENIE_WORKER_METRICS_PORT}/metrics`)).text();
    expect(workerMetrics).toMatch(/genie_runs_finished_total\{status="succeeded",trigger_type="manual"\} 1/);
    expect(workerMetrics).toMatch(/genie_tool_calls_total\{tool="query_data",outcome="ok"\} 1/);
    expect(workerMetrics).toMatch(/genie_model_tokens_total\{model="[^"]+",kind="output"\} [1-9]/);
    expect(workerMetrics).toMatch(/^temporal_\w+/m); // the SDK's own, on the same page
    const raw = describe();
    expect(raw).toContain('COMPLETED');
    expect(raw).toContain(Buffer.from('binary/encrypted').toString('base64'));
    const decoded = describe('--codec-endpoint', `${first.apiUrl}/codec`);
    expect(decoded).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(decoded).toContain('Survivor');

    // With only GENIE_DATA_DIR, the CLI finds this stack (its API and its Postgres, on whatever
    // ports it runs), and follows a run to the end.
    const cliEnv: NodeJS.ProcessEnv = { ...process.env, GENIE_DATA_DIR: env.GENIE_DATA_DIR, NO_COLOR: '1' };
    for (const name of ['PORT', 'GENIE_PG_PORT', 'DATABASE_URL', 'GENIE_API_URL', 'GENIE_API_KEY']) delete cliEnv[name];
    // Not execFileSync: the fake Messages API lives in this process and must keep answering.
    const cli = (...args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { cwd: ROOT, env: cliEnv });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('exit', (code) =>
          code === 0 ? resolve(out) : reject(new Error(`cli ${args.join(' ')} exited ${code}: ${out}`))
        );
      });
    expect(await cli('api-key', 'list', '--email', 'dev@localhost')).toMatch(/dev stack .* active/);
    expect(await cli('genies', 'run', genie.id, '--input', 'from the CLI', '--follow')).toContain('✓ succeeded in');

    // The console, as a new user meets it: open the URL, sign in with the printed key, run the
    // genie and watch its steps arrive, with nothing installed but what npm install brought.
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${first.apiUrl}/`);
      await page.fill('#api-key', first.key);
      await page.click('button[type=submit]');
      await page.getByRole('link', { name: 'Survivor' }).click();
      await page.getByRole('button', { name: 'Run now' }).first().click();
      await page.waitForURL(/#\/runs\//);
      await page.locator('.badge.status-succeeded').first().waitFor({ timeout: 60_000 });
      expect(await page.locator('li.step').count()).toBeGreaterThanOrEqual(3);
      await page.goto(`${first.apiUrl}/docs`);
      await page.getByText('Worker Genies API').first().waitFor();
    } finally {
      await browser.close();
    }
  }

  it('says in one line which port is taken', async () => {
    const blocker = (await import('node:net')).createServer().listen(Number(env.PORT));
    try {
      const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, ...env } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).not.toBe(0);
      expect(stderr).toContain(`Port ${env.PORT} (API) is already in use; set PORT to a free port.`);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('says in one line when the Temporal binary is missing', async () => {
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, ...env, TEMPORAL_CLI_PATH: path.join(dir, 'no-such-temporal') },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/TEMPORAL_CLI_PATH=.*no-such-temporal is not an executable file\./);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);
});
