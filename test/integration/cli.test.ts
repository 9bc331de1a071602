import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FetchPolicy, Resolver } from '../../fetch/ssrf';
import { reshape, text, toolUse, stopWith } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { TestMcpServer } from '../support/mcp-server';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/** The `genie` CLI over the REST API, as a person uses it (a real process, real HTTP). */
const ROOT = path.resolve(__dirname, '../..');
/** A fake DNS for the API: mcp.test is the local MCP server (allowed though loopback). */
const resolve: Resolver = async (host) => {
  if (host === 'mcp.test') return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`no such host ${host}`);
};
const fetchPolicy: FetchPolicy = { allowHosts: ['mcp.test'], resolve };
const MCP_TOKEN = 'cli-mcp-token-0123456789abcdef';

const { fake, h, createUser } = useStack({ worker: true, harness: { fetchPolicy } });
let user: TestUser;
let dir: string;
let mcp: TestMcpServer;

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {}
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        GENIE_API_URL: h.url,
        GENIE_API_KEY: user.key,
        NO_COLOR: '1',
        GENIE_DATA_DIR: dir,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  user = await createUser('cli');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genie-cli-'));
  mcp = await new TestMcpServer().start();
  mcp.authorize = (authorization) => authorization === `Bearer ${MCP_TOKEN}`;
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await mcp?.close();
});

describe('the genie CLI', () => {
  it('prints its help and exits 0 for --help and help', async () => {
    for (const args of [['--help'], ['help'], ['genies', '--help']]) {
      const result = await cli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('genies run GENIE_ID [--input TEXT] [--follow]');
      expect(result.stdout).toContain('api-key create --email EMAIL');
    }
  });

  it('creates a genie from a file, lists it, and follows a run to its end (exit 0)', async () => {
    const marker = `cli-marker-${Date.now()}`;
    fake.script(marker, [
      { ...toolUse([{ name: 'memory_write', input: { key: 'k', value: 'v' } }]), latencyMs: 300 },
      { ...text('All remembered.'), latencyMs: 300 },
    ]);
    const file = path.join(dir, 'genie.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ name: 'CLI genie', soul_prompt: `Remember. ${marker}`, tools: ['memory_write'] })
    );
    const created = await cli(['genies', 'create', '--file', file]);
    expect(created.code).toBe(0);
    const id = /: ([0-9a-f-]{36})$/m.exec(created.stdout)![1]!;

    const listed = await cli(['genies', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+CLI genie\\s+manual\\s+yes\\s+never`));

    const followed = await cli(['genies', 'run', id, '--input', 'remember k', '--follow']);
    expect(followed.code).toBe(0);
    const lines = followed.stdout.split('\n');
    const steps = lines.filter((line) => /^\s+(✦|⚙)/.test(line));
    expect(steps).toHaveLength(3);
    expect(steps[0]).toContain('✦ Claude · turn 1');
    expect(steps[1]).toContain('⚙ memory_write');
    expect(followed.stdout).toContain('✓ succeeded in');
    expect(followed.stdout).toContain('Answer: All remembered.');

    const runId = /run ([0-9a-f-]{36}) running/.exec(followed.stdout)![1]!;
    const shown = await cli(['run', runId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('⚙ memory_write');
    const runs = await cli(['runs', id, '--json']);
    expect(JSON.parse(runs.stdout).items[0]).toMatchObject({ id: runId, status: 'succeeded' });
  }, 60_000);

  it('shows what runs cost: a COST column in runs, each model step’s cost in run, and in the ending line', async () => {
    // The shipped price of claude-sonnet-5-5 (the stack's model): $2 in, $10 out, $2.5 cache writes,
    // $0.1 cache reads per million tokens.
    const usage = (input: number, output: number, cacheWrite = 0, cacheRead = 0) => ({
      input_tokens: input,
      output_tokens: output,
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: cacheRead,
    });
    const { genie, marker } = await createScriptedGenie(h, user, { name: 'Costed', tools: ['memory_write'] });
    fake.script(marker, [
      // 1000×2 + 200×10 + 400×2.5 = 5000 µ$
      toolUse([{ name: 'memory_write', input: { key: 'k', value: 1 } }], { usage: usage(1000, 200, 400) }),
      // 1500×2 + 100×10 + 500×0.1 = 4050 µ$
      text('Costed.', usage(1500, 100, 0, 500)),
    ]);
    const followed = await cli(['genies', 'run', genie.id, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/✓ succeeded in [\d.]+ m?s · 2 turns · 3,700 tokens · \$0\.0091\n/);
    const runId = /run ([0-9a-f-]{36}) /.exec(followed.stdout)![1]!;

    const runs = await cli(['runs', genie.id]);
    expect(runs.code).toBe(0);
    const [header, row] = runs.stdout.split('\n');
    expect(header).toMatch(/TURNS\s+TOKENS\s+COST$/);
    expect(row).toMatch(new RegExp(`^${runId}\\s+succeeded\\s.*\\s2\\s+3,700\\s+\\$0\\.0091$`));

    const shown = await cli(['run', runId]);
    expect(shown.code).toBe(0);
    const steps = shown.stdout.split('\n').filter((line) => /^\s+(✦|⚙)/.test(line));
    expect(steps[0]).toMatch(/✦ Claude · turn 1 .*\([\d.]+ m?s, 1,600 tokens, \$0\.005\)$/);
    expect(steps[1]).toMatch(/⚙ memory_write .*\([\d.]+ m?s\)$/);
    expect(steps[2]).toMatch(/✦ Claude · turn 2 .*\([\d.]+ m?s, 2,100 tokens, \$0\.0041\)$/);
    expect(shown.stdout).toMatch(/✓ succeeded in .* · 3,700 tokens · \$0\.0091\n/);

    // --json is the API's JSON, unchanged.
    expect(JSON.parse((await cli(['run', runId, '--json'])).stdout)).toMatchObject({ id: runId, cost_usd: 0.00905 });
    expect(JSON.parse((await cli(['runs', genie.id, '--json'])).stdout).items[0]).toMatchObject({ cost_usd: 0.00905 });
    const got = await cli(['genies', 'get', genie.id]);
    expect(got.stdout).toMatch(/^spend\s+\$0\.0091 today, \$0\.0091 this month \(UTC\)$/m);
  }, 60_000);

  it('says when a run has no cost because its model has no price, and shows a run stopped at its cost cap', async () => {
    const unpriced = await createScriptedGenie(h, user, { name: 'Unpriced', model: 'unpriced-model' });
    fake.script(unpriced.marker, [text('Free, as far as we know.')]);
    const { run_id: unpricedRun } = await startRun(h, user, unpriced.genie.id);
    await waitForRun(h, user, unpricedRun);
    const shown = await cli(['run', unpricedRun]);
    expect(shown.stdout).toMatch(/✦ Claude · turn 1 .*, no price\)$/m);
    expect(shown.stdout).toMatch(/✓ succeeded in .* tokens · cost unknown \(no price for its model\)\n/);
    const runs = await cli(['runs', unpriced.genie.id]);
    expect(runs.stdout.split('\n')[1]).toMatch(/\s-$/);

    // Each turn costs 1000×2 + 100×10 = 3000 µ$; the cap of $0.005 is reached by the second.
    const capped = await createScriptedGenie(h, user, { tools: ['memory_write'], max_cost_per_run_usd: 0.005 });
    const write = (n: number) =>
      toolUse([{ name: 'memory_write', input: { key: `k${n}`, value: n } }], {
        usage: { input_tokens: 1000, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      });
    fake.script(capped.marker, [write(1), write(2), write(3)]);
    const followed = await cli(['genies', 'run', capped.genie.id, '--follow']);
    expect(followed.code).toBe(1);
    expect(followed.stdout).toMatch(/✗ failed after .* · 2 turns · .* tokens · \$0\.006\n/);
    expect(followed.stdout).toContain('budget_exceeded: Stopped before turn 3');
    expect((await cli(['genies', 'get', capped.genie.id])).stdout).toMatch(/^cap\s+\$0\.005 per run$/m);
  }, 60_000);

  it('shows and sets the account’s monthly budget, and a genie’s budget and batch mode', async () => {
    const shown = await cli(['account']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^spend\s+\$[\d.]+ today, \$[\d.]+ this month \(UTC\)$/m);
    expect(shown.stdout).toMatch(/^budget\s+none \(set one with --budget USD\)$/m);
    const set = await cli(['account', '--budget', '1000']);
    expect(set.stdout).toMatch(/^budget\s+\$[\d.]+ of \$1,?000(\.00)? this month \(\d+ %\)$/m);
    expect((await h.call('GET', '/v1/account', { key: user.key })).body.data.monthly_budget_usd).toBe(1000);
    const bad = await cli(['account', '--budget=-1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--budget needs an amount in USD greater than 0');
    const json = await cli(['account', '--budget', 'none', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ monthly_budget_usd: null });
    const budgeted = await createScriptedGenie(h, user, { monthly_budget_usd: 20, model_mode: 'batch' });
    const genie = (await cli(['genies', 'get', budgeted.genie.id])).stdout;
    expect(genie).toMatch(/^budget\s+\$0(\.00)? of \$20(\.00)? this month \(0 %\)$/m);
    expect(genie).toMatch(/^mode\s+batch/m);
  });

  it('tries a change with genies eval: a table of cases, exit 0, or 1 below --min-score or on a failed case', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { name: 'Summariser', tools: [] });
    fake.scriptConversation(marker, [text('old summary')]);
    for (let i = 0; i < 2; i++) {
      const { run_id } = await startRun(h, user, genie.id);
      expect((await waitForRun(h, user, run_id)).status).toBe('succeeded');
    }
    const newMarker = `cli-eval-${Date.now()}`;
    const judge = `cli-judge-${Date.now()}`;
    fake.scriptConversation(newMarker, [text('new summary')]);
    fake.script(judge, [toolUse([{ name: 'record_score', input: { score: 4, reason: 'clearer' } }])]);
    const file = path.join(dir, 'changes.json');
    fs.writeFileSync(file, JSON.stringify({ soul_prompt: `Summarise sharply. ${newMarker}` }));
    const rubric = `Is it a clear summary? ${judge}`;

    const passed = await cli([
      'genies',
      'eval',
      genie.id,
      '--file',
      file,
      '--last',
      '2',
      '--rubric',
      rubric,
      '--min-score',
      '3',
    ]);
    expect(passed.stderr).toBe('');
    expect(passed.code).toBe(0);
    const lines = passed.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('RUN'))).toMatch(
      /^RUN\s+STATUS\s+SAME TOOLS\s+SCORE\s+COST\s+BEFORE\s+OUTPUT$/
    );
    expect(lines.filter((l) => /succeeded\s+yes\s+4\s+/.test(l) && l.endsWith('new summary'))).toHaveLength(2);
    expect(passed.stdout).toMatch(/✓ succeeded: 2 of 2 cases, 0 failed, 2 same tools, mean score 4, /);

    const tooLow = await cli([
      'genies',
      'eval',
      genie.id,
      '--file',
      file,
      '--last',
      '1',
      '--rubric',
      rubric,
      '--min-score',
      '4.5',
    ]);
    expect(tooLow.code).toBe(1);
    expect(tooLow.stdout).toContain('the mean score is below --min-score 4.5');

    fake.scriptConversation(newMarker, [stopWith('refusal')]);
    const failed = await cli(['genies', 'eval', genie.id, '--file', file, '--json']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'succeeded', summary: { cases: 2, failed: 2 } });

    const noFile = await cli(['genies', 'eval', genie.id]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain('--file changes.json');
    const noRubric = await cli(['genies', 'eval', genie.id, '--file', file, '--min-score', '3']);
    expect(noRubric.stderr).toContain('--min-score needs --rubric');
  }, 90_000);

  it('shows the runs a run asked for (ask_genie), and on a child the run that asked it', async () => {
    const helper = await createScriptedGenie(h, user, { name: 'Cli helper', tools: [] });
    fake.script(helper.marker, [text('Helped.')]);
    const asker = await createScriptedGenie(h, user, { name: 'Cli asker', tools: [], delegates: [helper.genie.id] });
    fake.scriptConversation(asker.marker, [
      toolUse([{ name: 'ask_genie', input: { genie: 'Cli helper', input: 'help' } }]),
      text('Asked.'),
    ]);
    const { run_id } = await startRun(h, user, asker.genie.id);
    const run = await waitForRun(h, user, run_id);
    const childId = run.children[0].run_id;
    const parent = await cli(['run', run_id]);
    expect(parent.code).toBe(0);
    expect(parent.stdout).toContain(`↳ asked run ${childId} succeeded`);
    const child = await cli(['run', childId]);
    expect(child.stdout).toContain(`asked by run ${run_id}`);
    expect(child.stdout).toContain('delegated');
  });

  it('exits 1 when the followed run does not succeed, saying why', async () => {
    const marker = `cli-refusal-${Date.now()}`;
    fake.script(marker, [stopWith('refusal')]);
    const genie = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { name: 'Refuser', soul_prompt: `No. ${marker}` },
    });
    const followed = await cli(['genies', 'run', genie.body.data.id, '--follow']);
    expect(followed.code).toBe(1);
    expect(followed.stdout).toContain('✗ failed');
    expect(followed.stdout).toContain('refusal:');
  }, 60_000);

  it('streams events as JSON lines with --json --follow', async () => {
    const genie = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { name: 'JSON', soul_prompt: 'x', tools: [] },
    });
    const followed = await cli(['genies', 'run', genie.body.data.id, '--follow', '--json']);
    const events = followed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'succeeded' } });
    expect(events.filter((e) => e.event === 'step').map((e) => e.data.seq)).toEqual([1]);
  }, 60_000);

  it('prints Claude’s text as it is written, then the step; --json has it as text events', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { tools: ['memory_write'] });
    const first = 'Noting it down first.';
    const answer = 'Three leads want a call on Monday, and I saved them.';
    const slow = (reply: ReturnType<typeof text>) => reshape(reply, { latencyMs: 1500, chunkDelayMs: 30 });
    const script = () =>
      fake.script(marker, [
        slow(toolUse([{ name: 'memory_write', input: { key: 'k', value: 1 } }], { text: first })),
        slow(text(answer)),
      ]);
    script();
    const followed = await cli(['genies', 'run', genie.id, '--follow']);
    expect(followed.code).toBe(0);
    // Each turn's text on its own (indented) line, ended before the turn's step line.
    expect(followed.stdout).toContain(`\n    ${first}\n  ✦ Claude · turn 1`);
    expect(followed.stdout).toContain(`\n    ${answer}\n  ✦ Claude · turn 2`);

    script();
    const json = await cli(['genies', 'run', genie.id, '--follow', '--json']);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const texts = events.filter((e) => e.event === 'text' && e.data.turn === 2);
    expect(texts.map((e) => e.data.delta).join('')).toBe(answer);
    expect(texts[0].data).toMatchObject({ turn: 2, attempt: 1 });
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'succeeded', output: answer } });
  }, 60_000);

  it('lists what waits for approval, approves and denies it, and follows the run through the wait', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      tools: ['notify_owner'],
      approval_required: ['notify_owner'],
    });
    const call = (subject: string) =>
      toolUse([{ name: 'notify_owner', input: { subject, message: 'm', channel: 'dashboard' } }]);
    fake.script(marker, [call('first'), call('second'), text('Both asked.')]);
    const { run_id: runId } = await startRun(h, user, genie.id);
    const pendingOne = async () =>
      (
        await waitForRun(h, user, runId, {
          until: (r) => r.approvals.some((a: any) => a.status === 'pending'),
        })
      ).approvals.find((a: any) => a.status === 'pending');

    const first = await pendingOne();
    const following = cli(['run', runId, '--follow']);
    const listed = await cli(['approvals']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${first.id}\\s+pending \\(expires in \\d+ hours\\)`));
    expect(listed.stdout).toContain('"subject":"first"');
    const approved = await cli(['approve', first.id, '--note', 'go ahead']);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`Approved notify_owner`);
    expect((await cli(['approve', first.id])).stderr).toContain('already approved');

    const second = await pendingOne();
    const denied = await cli(['deny', second.id, '--note', 'not twice', '--json']);
    expect(JSON.parse(denied.stdout)).toMatchObject({ id: second.id, status: 'denied', note: 'not twice' });

    const followed = await following;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('⏸ approval needed  notify_owner');
    expect(followed.stdout).toContain(`npm run cli -- approve ${first.id}`);
    expect(followed.stdout).toMatch(/⏵ notify_owner approved — go ahead/);
    expect(followed.stdout).toMatch(/⏵ notify_owner denied — not twice/);
    expect(followed.stdout).toContain('Answer: Both asked.');
    expect((await cli(['approvals'])).stdout).toContain('Nothing is waiting for your approval.');
    expect((await cli(['approvals', '--all'])).stdout).toContain(second.id);
    const missing = await cli(['deny']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('deny needs an APPROVAL_ID');
  }, 60_000);

  it('inspects an MCP server: its name, version, protocol and tools as a table, or as JSON', async () => {
    const stored = await h.call('POST', '/v1/credentials', {
      key: user.key,
      body: { name: 'tracker', credential_type: 'bearer_token', value: MCP_TOKEN, allowed_hosts: ['mcp.test'] },
    });
    expect(stored.status).toBe(201);
    const url = `http://mcp.test:${mcp.port}/mcp`;
    const shown = await cli(['mcp', 'inspect', url, '--credential', 'tracker']);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[0]).toMatch(/^server\s+test-tracker 1\.2\.3$/);
    expect(lines[1]).toMatch(/^protocol\s+\d{4}-\d{2}-\d{2}$/);
    expect(shown.stdout).toMatch(/^TOOL\s+READ-ONLY\s+DESCRIPTION$/m);
    expect(shown.stdout).toMatch(/^list_issues\s+yes\s+List the open issues of a project\.$/m);
    expect(shown.stdout).toMatch(/^create_issue\s+no\s+Create an issue\.$/m);
    expect(shown.stdout).toMatch(/^close_issue\s+no\s+Close an issue\.$/m);
    expect(lines.filter((line) => /^\w+\s+(yes|no)\s/.test(line))).toHaveLength(6);

    const json = await cli(['mcp', 'inspect', '--json', url, '--credential', 'tracker']);
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.stdout);
    expect(answer).toMatchObject({ server: { name: 'test-tracker', version: '1.2.3' } });
    expect(answer.protocol_version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(answer.tools.find((t: any) => t.name === 'create_issue')).toMatchObject({
      read_only: false,
      input_schema: { type: 'object', properties: { title: { type: 'string' } } },
    });
  }, 60_000);

  it('says in one line why an MCP server cannot be inspected (400, 404, 409)', async () => {
    const url = `http://mcp.test:${mcp.port}/mcp`;
    const refused = await cli(['mcp', 'inspect', url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^cli: The MCP server could not be inspected: .*401.*\n$/);
    const unknown = await cli(['mcp', 'inspect', url, '--credential', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('cli: Credential not found (you have none named "nope")\n');
    const inside = await cli(['mcp', 'inspect', `http://127.0.0.1:${mcp.port}/mcp`]);
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(
      /^cli: url is refused: Refused to connect to 127\.0\.0\.1 \(loopback\): not a public address\n$/
    );
    const missing = await cli(['mcp', 'inspect']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('mcp inspect needs the server’s URL');
    expect((await cli(['--help'])).stdout).toContain('mcp inspect URL [--credential NAME]');
  }, 60_000);

  it('lists notifications, and explains a bad key and an unknown command in one line', async () => {
    const none = await cli(['notifications']);
    expect(none.code).toBe(0);
    const bad = await cli(['genies', 'list'], { GENIE_API_KEY: `hg_live_${'z'.repeat(40)}` });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^cli: Invalid or revoked API key\. Check GENIE_API_KEY\.\n$/);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badOption = await cli(['genies', 'run', '--nope']);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
