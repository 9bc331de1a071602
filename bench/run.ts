// `npm run bench`: the whole `npm start` stack measured from outside, each figure side by side with
// its comparator in the same run — bare Temporal workflows of the same shape on the same Temporal
// server, a bare Node HTTP server sending the API's bytes — printed as one table.
//   BENCH_RUNS (100)  concurrent 3-turn runs in the throughput row
//   BENCH_IN_FLIGHT (200)  runs in flight for the peak-memory row
//   BENCH_ONLY  a comma-separated subset of: idle,statements,turn,history,throughput,polling,mcp,memory,api,schedule
//   BENCH_PROFILE_DIR  every Node process of the stack writes a CPU profile there when it stops
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { isTerminal, type RunStatus } from '../domain/runs';
import { createDb } from '../db';
import { FakeAnthropic, text, toolUse } from '../test/fakes/anthropic';
import { countActivityStatements } from '../test/support/activity-statements';
import { TestMcpServer } from '../test/support/mcp-server';
import { cpuBetween, pidsOf, sample, watchPeakRss, type Role, type Sample } from './processes';
import { sleep, startStack, type Stack } from './stack';

const TURN_RUNS = 5;
const TURNS = 10;
const HISTORY_TURNS = [10, 30];
const TOOL_RESULT_BYTES = 32 * 1024;
const GENIES = 100;
/** Genies of the MCP row, each scripted for 2 MCP calls. */
const MCP_GENIES = 20;
const CONCURRENT_RUNS = Number(process.env.BENCH_RUNS ?? 100);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 200);
const THROUGHPUT_MODEL_MS = 500;
/** How often each polling client reads its run in the polling row (twice a second, as a console might). */
const POLL_EVERY_MS = 500;
const MEMORY_MODEL_MS = 3000;
const SCHEDULE_FIRES = 50;
const BARE_QUEUE = 'bench-bare';
const MB = 1024 * 1024;
/** Half of what each process took idle when tsx ran everything and the worker bundled at start. */
const IDLE_GOALS: Partial<Record<Role, string>> = {
  worker: '≤ 152 MB',
  api: '≤ 77 MB',
  supervisor: '≤ 52 MB',
  'postgres-wrapper': '≤ 40 MB',
};
const ONLY = process.env.BENCH_ONLY?.split(',');
const want = (section: string) => !ONLY || ONLY.includes(section);

const median = (values: number[]) => quantile(values, 0.5);
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
const mb = (bytes: number) => `${Math.round(bytes / MB)} MB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

interface Row {
  measure: string;
  value: string;
  goal?: string;
}

/** A bench process of its own (the comparators), started through tsx; resolves with its first IPC message. */
async function spawnBenchChild(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv
): Promise<{ child: ChildProcess; message: any }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, file), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const message = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)));
  });
  return { child, message };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

type RunView = {
  id: string;
  status: RunStatus;
  scheduled_at: string | null;
  started_at: string | null;
  finished_at: string | null;
};

/** Waits until every run in `ids` has ended, reading the account's newest runs (one request a poll). */
async function waitForRuns(stack: Stack, ids: string[]): Promise<RunView[]> {
  const wanted = new Set(ids);
  const ended = new Map<string, RunView>();
  // The runs waited for are the account's newest: the first pages of 100 hold them all.
  const pages = Math.ceil(ids.length / 100);
  while (ended.size < wanted.size) {
    let cursor: string | undefined;
    for (let p = 0; p < pages && ended.size < wanted.size; p++) {
      const page = await stack.call<{ items: RunView[]; next_cursor?: string }>(
        'GET',
        `/v1/runs?limit=100${cursor ? `&cursor=${cursor}` : ''}`
      );
      for (const run of page.items) if (wanted.has(run.id) && isTerminal(run.status)) ended.set(run.id, run);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    if (ended.size < wanted.size) await sleep(250);
  }
  const runs = [...ended.values()];
  const failed = runs.filter((r) => r.status !== 'succeeded');
  if (failed.length > 0) throw new Error(`${failed.length} bench runs did not succeed: ${JSON.stringify(failed[0])}`);
  return runs;
}

const lastFinish = (runs: RunView[]) => Math.max(...runs.map((r) => Date.parse(r.finished_at!)));

/** What every section gets: the stack, the fake model, a Temporal client, the process roots. */
interface Bench {
  stack: Stack;
  fake: FakeAnthropic;
  client: Client;
  /** The stack's and the bare worker's processes (CPU is read under these). */
  roots: number[];
  /** Comparator processes to stop at the end. */
  children: ChildProcess[];
  newGenie: (fields?: Record<string, unknown>) => Promise<{ id: string; marker: string }>;
  startRun: (genieId: string) => Promise<{ run_id: string; workflow_id: string }>;
  /** Run starts answered 503 and tried again (reported beside the section that had them). */
  startsRetried: number;
  /** The shared genies of the throughput, API and memory sections, each scripted for 3 turns. */
  genies: () => Promise<Array<{ id: string; marker: string }>>;
}

/** Idle memory: the stack as `npm start` leaves it, after it settles. */
async function idleSection({ stack }: Bench): Promise<Row[]> {
  await sleep(10_000);
  const idle = sample([stack.pid]);
  return [
    { measure: 'npm start to ready', value: `${stack.startSeconds.toFixed(1)} s` },
    ...(['worker', 'api', 'supervisor', 'postgres-wrapper', 'temporal'] as Role[]).map((role) => ({
      measure: `idle RSS: ${role}`,
      value: mb(idle[role].rss),
      goal: IDLE_GOALS[role],
    })),
  ];
}

/** Agent turn vs the floor: 10-turn runs (model call + memory_write) against pairs of no-op activities. */
/** What one model turn and one tool call cost Postgres, counted as the activities send statements. */
async function statementsSection({ stack }: Bench): Promise<Row[]> {
  const db = createDb(stack.databaseUrl);
  try {
    return await countActivityStatements(db, async ({ modelTurn, toolCall, lastTurn, storedTurn }) => [
      {
        measure: 'SQL statements per model turn (asking for a tool; ending the run; a retried stored turn)',
        value: `${modelTurn.statements.length}; ${lastTurn.statements.length}; ${storedTurn.statements.length}`,
        goal: '≤ 5',
      },
      { measure: 'SQL statements per tool call (web_fetch)', value: String(toolCall.statements.length), goal: '≤ 5' },
    ]);
  } finally {
    await db.destroy();
  }
}

async function turnSection({ stack, fake, client, newGenie, startRun }: Bench): Promise<Row[]> {
  const turnMs: number[] = [];
  for (let r = 0; r <= TURN_RUNS; r++) {
    const { id, marker } = await newGenie();
    fake.scriptConversation(marker, [
      ...Array.from({ length: TURNS - 1 }, (_, i) =>
        toolUse([{ name: 'memory_write', input: { key: `k${i}`, value: i } }])
      ),
      text('done'),
    ]);
    const { run_id } = await startRun(id);
    await waitForRuns(stack, [run_id]);
    if (r === 0) continue; // warm-up
    const run = await stack.call<{ steps: Array<{ kind: string; started_at: string }> }>('GET', `/v1/runs/${run_id}`);
    const starts = run.steps.filter((s) => s.kind === 'model').map((s) => Date.parse(s.started_at));
    for (let t = 1; t < starts.length; t++) turnMs.push(starts[t]! - starts[t - 1]!);
  }
  const pairMs: number[] = [];
  for (let r = 0; r <= TURN_RUNS; r++) {
    const times = await client.workflow.execute('noopActivities', {
      taskQueue: BARE_QUEUE,
      workflowId: `bench-noop-${crypto.randomUUID()}`,
      args: [2 * TURNS],
    });
    if (r === 0) continue;
    for (let i = 2; i < times.length; i += 2) pairMs.push(times[i]! - times[i - 2]!);
  }
  const turn = median(turnMs);
  const floor = median(pairMs);
  return [
    {
      measure: `ms per agent turn (model call + tool call), median of ${TURN_RUNS} ${TURNS}-turn runs`,
      value: turn.toFixed(1),
    },
    { measure: '  ms per 2 no-op activities in a bare workflow (the floor)', value: floor.toFixed(1) },
    { measure: '  agent turn / floor', value: ratio(turn, floor), goal: '≤ 1.10x' },
  ];
}

/** History bytes per turn with 32 KiB tool results, payloads encrypted as always. */
async function historySection({ stack, fake, client, newGenie, startRun }: Bench): Promise<Row[]> {
  const rows: Row[] = [];
  for (const turns of HISTORY_TURNS) {
    const { id, marker } = await newGenie();
    fake.scriptConversation(marker, [
      toolUse([{ name: 'memory_write', input: { key: 'blob', value: 'x'.repeat(TOOL_RESULT_BYTES) } }]),
      ...Array.from({ length: turns - 2 }, () => toolUse([{ name: 'memory_read', input: { key: 'blob' } }])),
      text('done'),
    ]);
    const { run_id, workflow_id } = await startRun(id);
    await waitForRuns(stack, [run_id]);
    const history = await client.workflow.getHandle(workflow_id).fetchHistory();
    const bytes = temporal.api.history.v1.History.encode(history).finish().length;
    rows.push({
      measure: `workflow history bytes per turn, ${turns}-turn run, 32 KiB tool results, encrypted`,
      value: String(Math.round(bytes / turns)),
      goal: '≤ 4096',
    });
  }
  return rows;
}

/** Throughput: concurrent 3-turn runs (model, tool, model, tool, model) against bare workflows of that shape. */
async function throughputSection(bench: Bench): Promise<Row[]> {
  const { stack, fake, client, roots, startRun } = bench;
  const genies = await bench.genies();
  fake.latencyMs = THROUGHPUT_MODEL_MS;
  let cpuBefore: Sample = sample(roots);
  let t0 = Date.now();
  const ids = await Promise.all(
    Array.from({ length: CONCURRENT_RUNS }, async (_, i) => (await startRun(genies[i % genies.length]!.id)).run_id)
  );
  const genieRuns = await waitForRuns(stack, ids);
  const genieSeconds = (lastFinish(genieRuns) - t0) / 1000;
  const genieCpu = cpuBetween(cpuBefore, sample(roots));

  cpuBefore = sample(roots);
  t0 = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENT_RUNS }, () =>
      client.workflow.execute('bareRun', {
        taskQueue: BARE_QUEUE,
        workflowId: `bench-bare-${crypto.randomUUID()}`,
        args: [3, THROUGHPUT_MODEL_MS],
      })
    )
  );
  const bareSeconds = (Date.now() - t0) / 1000;
  const bareCpu = cpuBetween(cpuBefore, sample(roots));
  fake.latencyMs = 0;
  const genieRate = CONCURRENT_RUNS / genieSeconds;
  const bareRate = CONCURRENT_RUNS / bareSeconds;
  const perRun = (cpu: number) => (cpu / CONCURRENT_RUNS).toFixed(3);
  const ours = genieCpu.worker + genieCpu.api + genieCpu.postgres + genieCpu['postgres-wrapper'];
  return [
    {
      measure: `${CONCURRENT_RUNS} concurrent 3-turn genie runs, ${THROUGHPUT_MODEL_MS} ms model latency: runs/s`,
      value: `${genieRate.toFixed(1)} (${genieSeconds.toFixed(1)} s)`,
    },
    {
      measure: `  ${CONCURRENT_RUNS} concurrent bare workflows of the same 7 activities: workflows/s`,
      value: `${bareRate.toFixed(1)} (${bareSeconds.toFixed(1)} s)`,
    },
    { measure: '  genie runs/s / bare workflows/s', value: ratio(genieRate, bareRate), goal: '≥ 0.80x' },
    {
      measure: 'CPU s per genie run: Temporal / worker / API / Postgres',
      value: [genieCpu.temporal, genieCpu.worker, genieCpu.api, genieCpu.postgres].map(perRun).join(' / '),
    },
    {
      measure: "  the project's (worker + API + Postgres) / Temporal's",
      value: `${perRun(ours)} / ${perRun(genieCpu.temporal)} (${ratio(ours, genieCpu.temporal)})`,
      goal: '≤ 1.00x',
    },
    {
      measure: '  CPU s per bare workflow: Temporal / bare worker',
      value: [bareCpu.temporal, bareCpu['bare-worker']].map(perRun).join(' / '),
    },
  ];
}

/**
 * The throughput row again with a client per run reading `GET /v1/runs/{id}` every 500 ms until it
 * ends: what readers cost the runs (their reads must not reach Temporal each time).
 */
async function pollingSection(bench: Bench): Promise<Row[]> {
  const { stack, fake, roots, startRun } = bench;
  const genies = await bench.genies();
  fake.latencyMs = THROUGHPUT_MODEL_MS;
  const batch = async (poll: boolean) => {
    const cpuBefore = sample(roots);
    const t0 = Date.now();
    let reads = 0;
    const ids = await Promise.all(
      Array.from({ length: CONCURRENT_RUNS }, async (_, i) => (await startRun(genies[i % genies.length]!.id)).run_id)
    );
    const pollers = poll
      ? ids.map(async (id) => {
          for (;;) {
            const run = await stack.call<RunView>('GET', `/v1/runs/${id}`);
            reads++;
            if (isTerminal(run.status)) return;
            await sleep(POLL_EVERY_MS);
          }
        })
      : [];
    const runs = await waitForRuns(stack, ids);
    await Promise.all(pollers);
    const seconds = (lastFinish(runs) - t0) / 1000;
    return { rate: CONCURRENT_RUNS / seconds, seconds, reads, cpu: cpuBetween(cpuBefore, sample(roots)) };
  };
  const quiet = await batch(false);
  const polled = await batch(true);
  fake.latencyMs = 0;
  const perRun = (cpu: number) => (cpu / CONCURRENT_RUNS).toFixed(3);
  return [
    {
      measure: `${CONCURRENT_RUNS} concurrent 3-turn runs, each read every ${POLL_EVERY_MS} ms by a client: runs/s`,
      value: `${polled.rate.toFixed(1)} (${polled.seconds.toFixed(1)} s, ${polled.reads} reads)`,
    },
    {
      measure: '  the same runs unread: runs/s',
      value: `${quiet.rate.toFixed(1)} (${quiet.seconds.toFixed(1)} s)`,
    },
    { measure: '  polled runs/s / unread runs/s', value: ratio(polled.rate, quiet.rate), goal: '≥ 0.90x' },
    {
      measure: '  CPU s per run, polled (unread): Temporal / API',
      value: `${perRun(polled.cpu.temporal)} / ${perRun(polled.cpu.api)} (${perRun(quiet.cpu.temporal)} / ${perRun(quiet.cpu.api)})`,
    },
  ];
}

/**
 * The throughput row with a tool from an MCP server (a real SDK server on loopback: one call per
 * turn, each a session of its own) against the same runs with memory_read.
 */
async function mcpSection(bench: Bench): Promise<Row[]> {
  const { stack, fake, roots, startRun, newGenie } = bench;
  const server = await new TestMcpServer().start();
  try {
    const genies = await Promise.all(
      Array.from({ length: MCP_GENIES }, () =>
        newGenie({
          tools: [],
          mcp_servers: [{ name: 'tracker', url: server.url, approval: 'never', allowed_tools: ['list_issues'] }],
        })
      )
    );
    for (const { marker } of genies) {
      fake.scriptConversation(marker, [
        toolUse([{ name: 'mcp__tracker__list_issues', input: { project: 'web' } }]),
        toolUse([{ name: 'mcp__tracker__list_issues', input: { project: 'api' } }]),
        text('done'),
      ]);
    }
    const memory = await bench.genies();
    fake.latencyMs = THROUGHPUT_MODEL_MS;
    const batch = async (ids: string[]) => {
      const cpuBefore = sample(roots);
      const t0 = Date.now();
      const runIds = await Promise.all(
        Array.from({ length: CONCURRENT_RUNS }, async (_, i) => (await startRun(ids[i % ids.length]!)).run_id)
      );
      const runs = await waitForRuns(stack, runIds);
      const failed = runs.filter((run) => run.status !== 'succeeded').length;
      if (failed > 0) throw new Error(`${failed} runs did not succeed`);
      const seconds = (lastFinish(runs) - t0) / 1000;
      return { rate: CONCURRENT_RUNS / seconds, seconds, cpu: cpuBetween(cpuBefore, sample(roots)) };
    };
    const withMemory = await batch(memory.map((g) => g.id));
    const withMcp = await batch(genies.map((g) => g.id));
    fake.latencyMs = 0;
    const perRun = (cpu: number) => (cpu / CONCURRENT_RUNS).toFixed(3);
    return [
      {
        measure: `${CONCURRENT_RUNS} concurrent 3-turn runs, one MCP call per turn (SDK server on loopback): runs/s`,
        value: `${withMcp.rate.toFixed(1)} (${withMcp.seconds.toFixed(1)} s, ${server.calls.length} calls)`,
      },
      {
        measure: '  the same runs with memory_read: runs/s',
        value: `${withMemory.rate.toFixed(1)} (${withMemory.seconds.toFixed(1)} s)`,
      },
      { measure: '  MCP runs/s / memory_read runs/s', value: ratio(withMcp.rate, withMemory.rate) },
      {
        measure: '  CPU s per run, MCP (memory_read): worker / Temporal',
        value: `${perRun(withMcp.cpu.worker)} / ${perRun(withMcp.cpu.temporal)} (${perRun(withMemory.cpu.worker)} / ${perRun(withMemory.cpu.temporal)})`,
      },
    ];
  } finally {
    await server.close();
  }
}

/** The API's hot path against a bare Node server sending the same bytes. */
async function apiSection(bench: Bench): Promise<Row[]> {
  const { stack, children } = bench;
  await bench.genies();
  const listUrl = `${stack.api}/v1/worker-genies`;
  const headers = { authorization: `Bearer ${stack.key}` };
  const body = Buffer.from(await (await fetch(listUrl, { headers })).arrayBuffer());
  const bodyFile = path.join(stack.dataDir, 'bench-list.json');
  fs.writeFileSync(bodyFile, body);
  const bareHttp = await spawnBenchChild('bare-http.ts', [bodyFile], {});
  children.push(bareHttp.child);
  const load = async (url: string, headers: Record<string, string>) => {
    await autocannon({ url, connections: 32, duration: 2, headers }); // warm-up
    const result = await autocannon({ url, connections: 32, duration: 10, headers });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return { rate: result.requests.average, p99: result.latency.p99 };
  };
  const apiLoad = await load(listUrl, headers);
  const bareLoad = await load(`http://127.0.0.1:${bareHttp.message.port}/`, {});
  return [
    {
      measure: `GET /v1/worker-genies (${GENIES} genies; first page, ${body.length} bytes), 32 connections: req/s, p99`,
      value: `${Math.round(apiLoad.rate)}, ${apiLoad.p99} ms`,
      goal: 'p99 ≤ 50 ms',
    },
    {
      measure: '  a bare Node server sending the same bytes: req/s, p99',
      value: `${Math.round(bareLoad.rate)}, ${bareLoad.p99} ms`,
    },
    { measure: '  API req/s / bare req/s', value: ratio(apiLoad.rate, bareLoad.rate), goal: '≥ 0.50x' },
  ];
}

/** Peak memory with many runs in flight (each waits 3 s on every model call). */
async function memorySection(bench: Bench): Promise<Row[]> {
  const { stack, fake, startRun } = bench;
  const genies = await bench.genies();
  fake.latencyMs = MEMORY_MODEL_MS;
  const watch = watchPeakRss([stack.pid]);
  const ids = await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, i) => (await startRun(genies[i % genies.length]!.id)).run_id)
  );
  await waitForRuns(stack, ids);
  const peak = watch.stop();
  fake.latencyMs = 0;

  // The same number of bare workflows in flight, on the bare worker: what the SDK itself holds.
  const bareIdle = sample(bench.roots)['bare-worker'].rss;
  const bareWatch = watchPeakRss(bench.roots);
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, () =>
      bench.client.workflow.execute('bareRun', {
        taskQueue: BARE_QUEUE,
        workflowId: `bench-bare-${crypto.randomUUID()}`,
        args: [3, MEMORY_MODEL_MS],
      })
    )
  );
  const barePeak = bareWatch.stop()['bare-worker'];
  return [
    { measure: `peak RSS, ${IN_FLIGHT} runs in flight: worker`, value: mb(peak.worker), goal: '≤ 300 MB' },
    {
      measure: `  the bare worker, ${IN_FLIGHT} bare workflows in flight (idle before)`,
      value: `${mb(barePeak)} (${mb(bareIdle)})`,
    },
    { measure: '  worker peak / bare worker peak', value: ratio(peak.worker, barePeak), goal: '≤ 1.10x' },
    { measure: `peak RSS, ${IN_FLIGHT} runs in flight: API`, value: mb(peak.api), goal: '≤ 150 MB' },
    { measure: `peak RSS, ${IN_FLIGHT} runs in flight: Temporal`, value: mb(peak.temporal) },
  ];
}

/** Schedules: when each fire's run started, against the time it was scheduled for. */
async function scheduleSection({ stack, fake, newGenie }: Bench): Promise<Row[]> {
  const scheduled = await Promise.all(
    Array.from({ length: 5 }, () =>
      newGenie({ trigger_type: 'schedule', schedule: { interval_seconds: 2, overlap: 'allow_all' } })
    )
  );
  for (const { marker } of scheduled) fake.scriptConversation(marker, [text('done')]);
  let fired: RunView[] = [];
  const deadline = Date.now() + 120_000;
  while (fired.length < SCHEDULE_FIRES && Date.now() < deadline) {
    await sleep(1000);
    const lists = await Promise.all(
      scheduled.map(({ id }) => stack.call<{ items: RunView[] }>('GET', `/v1/worker-genies/${id}/runs?limit=100`))
    );
    fired = lists.flatMap((l) => l.items).filter((r) => r.started_at && r.scheduled_at);
  }
  await Promise.all(scheduled.map(({ id }) => stack.call('DELETE', `/v1/worker-genies/${id}`)));
  const delays = fired.map((r) => Date.parse(r.started_at!) - Date.parse(r.scheduled_at!));
  return [
    {
      measure: `schedule fire → run started, ${delays.length} fires: p50 / p99`,
      value: `${quantile(delays, 0.5)} / ${quantile(delays, 0.99)} ms`,
      goal: 'p99 ≤ 1000 ms',
    },
  ];
}

const SECTIONS: Record<string, (bench: Bench) => Promise<Row[]>> = {
  idle: idleSection,
  statements: statementsSection,
  turn: turnSection,
  history: historySection,
  throughput: throughputSection,
  polling: pollingSection,
  mcp: mcpSection,
  // Before the API load, whose heap growth would otherwise count as the API's peak here.
  memory: memorySection,
  api: apiSection,
  schedule: scheduleSection,
};

async function main(): Promise<void> {
  const unknown = ONLY?.filter((name) => !SECTIONS[name]);
  if (unknown?.length)
    throw new Error(`BENCH_ONLY: no section ${unknown.join(', ')} (${Object.keys(SECTIONS).join(', ')})`);
  const rows: Row[] = [];
  const fake = await new FakeAnthropic().start();
  fake.record = false;
  const stack = await startStack({
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'sk-ant-fake-bench',
    GENIE_RATE_LIMIT_PER_MINUTE: '1000000', // the limiter still runs; it just never says no
    GENIE_FETCH_ALLOW_HOSTS: '127.0.0.1', // the MCP section's server, on loopback
    ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}), // what logging costs
    ...(process.env.BENCH_PROFILE_DIR
      ? {
          BENCH_PROFILE_DIR: path.resolve(process.env.BENCH_PROFILE_DIR),
          NODE_OPTIONS: `--require ${path.join(__dirname, 'cpu-profiler.cjs')}`,
        }
      : {}),
  });
  const children: ChildProcess[] = [];
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection }); // histories are read as stored (encrypted): no codec
  try {
    const bare = await spawnBenchChild('bare-worker.ts', [], {
      TEMPORAL_ADDRESS: stack.temporalAddress,
      BENCH_TASK_QUEUE: BARE_QUEUE,
    });
    children.push(bare.child);
    const newGenie = async (fields: Record<string, unknown> = {}) => {
      const marker = `bench-${crypto.randomUUID()}`;
      const genie = await stack.call('POST', '/v1/worker-genies', {
        name: marker,
        soul_prompt: `You are a benchmark genie. ${marker}`,
        tools: ['memory_read', 'memory_write'],
        max_turns: 40,
        max_concurrent_runs: 5,
        ...fields,
      });
      return { id: genie.id as string, marker };
    };
    let shared: Promise<Array<{ id: string; marker: string }>> | undefined;
    const bench: Bench = {
      stack,
      fake,
      client,
      roots: [stack.pid, bare.child.pid!],
      children,
      startsRetried: 0,
      newGenie,
      // As a client should: a 503 (Temporal too busy to answer within the API's deadline) is tried again.
      startRun: async (genieId) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await stack.call('POST', `/v1/worker-genies/${genieId}/run`, { input: 'go' });
          } catch (err) {
            if ((err as { status?: number }).status !== 503 || attempt === 10) throw err;
            bench.startsRetried++;
            await sleep(1000);
          }
        }
      },
      genies: () =>
        (shared ??= (async () => {
          const genies = [];
          for (let i = 0; i < GENIES; i++) genies.push(await newGenie());
          for (const { marker } of genies) {
            fake.scriptConversation(marker, [
              toolUse([{ name: 'memory_read', input: { key: 'nothing' } }]),
              toolUse([{ name: 'memory_read', input: { key: 'nothing' } }]),
              text('done'),
            ]);
          }
          return genies;
        })()),
    };
    // Profiling: each section gets a profile of its own (see cpu-profiler.cjs).
    const nextProfile = () => {
      if (!process.env.BENCH_PROFILE_DIR) return;
      for (const pid of pidsOf([stack.pid], ['supervisor', 'api', 'worker', 'postgres-wrapper'])) {
        process.kill(pid, 'SIGWINCH');
      }
    };
    for (const [name, section] of Object.entries(SECTIONS)) {
      if (!want(name)) continue;
      nextProfile();
      bench.startsRetried = 0;
      rows.push(...(await section(bench)));
      if (bench.startsRetried > 0) {
        rows.push({
          measure: `  run starts answered 503 and tried again (${name})`,
          value: String(bench.startsRetried),
        });
      }
    }
    nextProfile();
  } finally {
    await Promise.all(children.map(stopChild));
    await connection.close();
    await stack.stop();
    await fake.close();
  }

  const width = Math.max(...rows.map((r) => r.measure.length));
  const valueWidth = Math.max(5, ...rows.map((r) => r.value.length));
  console.log(`\n| ${'measure'.padEnd(width)} | ${'value'.padEnd(valueWidth)} | goal |`);
  console.log(`| ${'-'.repeat(width)} | ${'-'.repeat(valueWidth)} | ---- |`);
  for (const row of rows)
    console.log(`| ${row.measure.padEnd(width)} | ${row.value.padEnd(valueWidth)} | ${row.goal ?? ''} |`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  }
);
