// The `genie` commands for people: genies, runs (followed live), notifications, over the REST API.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { StartupError } from '../platform/errors';
import {
  GenieApiError,
  type Approval,
  type GenieClient,
  type Genie,
  type GenieCreate,
  type McpServerInspection,
  type Run,
  type RunLive,
  type Step,
} from '../client';
import { cliError } from './client';
import { PHASE_LABEL, totalTokens } from '../domain/runs';
import { ago, bold, dim, duration, green, red, spinner, status, table, usd } from './output';

export interface CommandContext {
  api: GenieClient;
  args: string[];
  /** Print the API's JSON instead of tables and lines. */
  json: boolean;
  out: (line: string) => void;
  /** Writes text as it is, without a line break (Claude's live text); stdout unless given. */
  write?: (text: string) => void;
}

/** A command's outcome: the process exits 1 when it is false (a followed run that did not succeed). */
type Command = (ctx: CommandContext) => Promise<boolean | void>;

const printJson = (ctx: CommandContext, value: unknown) => ctx.out(JSON.stringify(value, null, 2));

function trigger(genie: Genie): string {
  if (genie.trigger_type === 'schedule' && genie.schedule) {
    const s = genie.schedule;
    return `${s.cron ? `cron ${s.cron}${s.timezone && s.timezone !== 'UTC' ? ` ${s.timezone}` : ''}` : `every ${s.interval_seconds}s`}${s.paused ? ' (paused)' : ''}`;
  }
  if (genie.trigger_type === 'event') return `on ${genie.event_types.join(', ')}`;
  return 'manual';
}

function positional(ctx: CommandContext, what: string): string {
  const value = ctx.args.find((arg) => !arg.startsWith('--'));
  if (!value) throw new StartupError(`${what} is missing`);
  return value;
}

function runRows(runs: Run[]): string[][] {
  return runs.map((run) => [
    run.id,
    status(run.status),
    run.trigger_type,
    ago(run.started_at ?? run.created_at),
    duration(run.duration_ms),
    String(run.turns),
    totalTokens(run.usage).toLocaleString('en'),
    usd(run.cost_usd),
  ]);
}
const RUN_HEADERS = ['RUN', 'STATUS', 'TRIGGER', 'STARTED', 'DURATION', 'TURNS', 'TOKENS', 'COST'];

function stepLine(step: Step): string {
  const cost = step.kind === 'model' && step.cost_usd !== undefined ? `, ${usd(step.cost_usd, 'no price')}` : '';
  const meta = dim(
    `(${duration(step.duration_ms)}${step.usage ? `, ${totalTokens(step.usage).toLocaleString('en')} tokens` : ''}${cost})`
  );
  const flat = (step.output_preview ?? '').replace(/\s+/g, ' ').trim();
  const preview = flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
  if (step.kind === 'model') return `  ${bold(`✦ Claude · turn ${step.turn}`)}  ${preview} ${meta}`;
  const name = step.is_error ? red(`⚙ ${step.tool} (error)`) : bold(`⚙ ${step.tool}`);
  return `  ${name}  ${step.is_error ? red(preview) : preview} ${meta}`;
}

function ending(run: Run): string[] {
  const summary = `${duration(run.duration_ms)} · ${run.turns} turns · ${totalTokens(run.usage).toLocaleString('en')} tokens · ${usd(run.cost_usd, 'cost unknown (no price for its model)')}`;
  const lines = [
    run.status === 'succeeded' ? green(`✓ succeeded in ${summary}`) : red(`✗ ${run.status} after ${summary}`),
  ];
  if (run.error) lines.push(red(`  ${run.error.type}: ${run.error.message}`));
  if (run.output) lines.push(`${bold('Answer:')} ${run.output}`);
  return lines;
}

const UNFINISHED = ['queued', 'running', 'waiting_approval', 'waiting_budget'];

/** One line of what a gated call wants, e.g. `web_fetch {"method":"POST","url":"…"}`. */
function callText(approval: Approval, width = 100): string {
  const input = JSON.stringify(approval.input) ?? '';
  return `${approval.tool} ${input.length > width ? `${input.slice(0, width - 1)}…` : input}`;
}

function approvalLine(approval: Approval): string {
  if (approval.status === 'pending')
    return `  ${bold('⏸ approval needed')}  ${callText(approval)}\n    ${dim(`approve: npm run cli -- approve ${approval.id}   deny: npm run cli -- deny ${approval.id} --note TEXT`)}`;
  const verdict = approval.status === 'approved' ? green('approved') : red(approval.status);
  return `  ${bold('⏵')} ${approval.tool} ${verdict}${approval.note ? ` ${dim(`— ${approval.note}`)}` : ''}`;
}

/** What a running run is doing, for the spinner: the phase, its tools, a retry and why. */
function liveText(live: RunLive): string {
  const phase = (PHASE_LABEL as Record<string, string>)[live.phase] ?? live.phase;
  const doing = live.current_tools.length
    ? `${phase}: ${live.current_tools.join(', ')}`
    : `${phase} (turn ${live.turn})`;
  return live.attempt > 1
    ? `${doing} — retrying ${live.activity ?? ''} (attempt ${live.attempt}): ${live.last_failure ?? ''}`
    : `${doing}…`;
}

/**
 * Follows a run live: each step as it is saved, Claude's text inline as it is written (a newline
 * before the next line; "(retrying turn N)" when a broken call's text is void), a spinner while
 * waiting, the ending. True when it succeeded. With --json every event is a JSON line, `text` and
 * `text_reset` included.
 */
async function follow(ctx: CommandContext, runId: string): Promise<boolean> {
  let final: Run | undefined;
  let lastStatus = '';
  const spin = ctx.json ? undefined : spinner();
  const write = ctx.write ?? ((text: string) => void process.stdout.write(text));
  /** The turn whose text is being written on the current line, if any. */
  let writing: number | undefined;
  const out = (line: string) => {
    if (writing !== undefined) write('\n');
    writing = undefined;
    ctx.out(line);
  };
  try {
    for await (const event of ctx.api.streamRun(runId)) {
      if (ctx.json) {
        ctx.out(JSON.stringify({ event: event.event, data: event.data }));
        if (event.event === 'end') final = event.data;
        continue;
      }
      spin?.stop();
      if (event.event === 'text') {
        const { turn, delta } = event.data;
        if (writing !== turn) {
          if (writing !== undefined) write('\n');
          write(TEXT_INDENT);
          writing = turn;
        }
        write(delta.replace(/\r?\n/g, `\n${TEXT_INDENT}`));
      } else if (event.event === 'text_reset') {
        out(dim(`${TEXT_INDENT}(retrying turn ${event.data.turn})`));
      } else if (event.event === 'run') {
        const { live, ...run } = event.data;
        if (run.status !== lastStatus) out(`${dim('●')} run ${run.id} ${status(run.status)}`);
        lastStatus = run.status;
        // The spinner would draw over text being written: it waits for the line to end.
        if (writing !== undefined) continue;
        if (run.status === 'queued') spin?.text('Waiting for a worker…');
        else if (live) spin?.text(liveText(live));
      } else if (event.event === 'step') {
        out(stepLine(event.data));
        spin?.text('Claude is thinking…');
      } else if (event.event === 'approval') {
        const approval = event.data;
        out(approvalLine(approval));
        spin?.text(approval.status === 'pending' ? 'Waiting for your approval…' : 'Claude is thinking…');
      } else if (event.event === 'end') {
        final = event.data;
        for (const line of ending(final)) out(line);
      }
    }
  } catch (err) {
    if (writing !== undefined) write('\n');
    // The stream's refusal (a run that does not exist, a refused key) is the API's message alone.
    if (err instanceof GenieApiError && err.code !== 'network_error') throw new StartupError(err.message);
    throw err;
  } finally {
    spin?.stop();
  }
  return final?.status === 'succeeded';
}

/** Claude's live text sits under the step lines. */
const TEXT_INDENT = '    ';

const COMMANDS: Record<string, Command> = {
  'genies list': async (ctx) => {
    const page = await ctx.api.listGenies({ limit: 100 });
    if (ctx.json) return printJson(ctx, page);
    if (page.items.length === 0) {
      ctx.out('No genies yet. Create one: npm run cli -- genies create --file genie.json');
      return;
    }
    ctx.out(
      table(
        ['ID', 'NAME', 'TRIGGER', 'ENABLED', 'LAST RUN'],
        page.items.map((g) => [
          g.id,
          g.name,
          trigger(g),
          g.enabled ? 'yes' : dim('no'),
          g.last_run ? `${status(g.last_run.status)} ${dim(ago(g.last_run.created_at))}` : dim('never'),
        ])
      )
    );
  },
  'genies get': async (ctx) => {
    const genie = await ctx.api.getGenie(positional(ctx, 'GENIE_ID'));
    if (ctx.json) return printJson(ctx, genie);
    ctx.out(`${bold(genie.name)} ${dim(genie.id)}${genie.enabled ? '' : red(' (disabled)')}`);
    if (genie.description) ctx.out(genie.description);
    ctx.out(`${dim('trigger')}  ${trigger(genie)}`);
    if (genie.next_run_times?.length)
      ctx.out(`${dim('next')}     ${genie.next_run_times.slice(0, 3).map(ago).join(', ')}`);
    ctx.out(`${dim('tools')}    ${genie.tools.join(', ') || 'none'}`);
    ctx.out(`${dim('spend')}    ${usd(genie.spend.today_usd)} today, ${usd(genie.spend.month_usd)} this month (UTC)`);
    if (genie.max_cost_per_run_usd !== null) ctx.out(`${dim('cap')}      ${usd(genie.max_cost_per_run_usd)} per run`);
    if (genie.monthly_budget_usd !== null)
      ctx.out(`${dim('budget')}   ${budgetLine(genie.spend, genie.monthly_budget_usd)}`);
    if (genie.model_mode === 'batch') ctx.out(`${dim('mode')}     batch (Message Batches API: half price, slower)`);
    ctx.out(`${dim('prompt')}   ${genie.soul_prompt.split('\n')[0]!.slice(0, 120)}`);
    if (genie.recent_runs?.length) ctx.out(`\n${table(RUN_HEADERS, runRows(genie.recent_runs))}`);
  },
  'genies create': async (ctx) => {
    const { values } = parseArgs({ args: ctx.args, options: { file: { type: 'string' }, json: { type: 'boolean' } } });
    if (!values.file) throw new StartupError('genies create needs --file F.json (a genie: name, soul_prompt, …)');
    const body = readJsonFile(values.file);
    // The API validates it and answers a 400 naming each bad field.
    const genie = await ctx.api.createGenie(body as GenieCreate);
    if (ctx.json) return printJson(ctx, genie);
    ctx.out(`Created ${bold(genie.name)}: ${genie.id}`);
  },
  'genies run': async (ctx) => {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      allowPositionals: true,
      options: { input: { type: 'string' }, follow: { type: 'boolean' }, json: { type: 'boolean' } },
    });
    const genieId = positionals[0];
    if (!genieId) throw new StartupError('genies run needs a GENIE_ID');
    const started = await ctx.api.runGenie(genieId, values.input === undefined ? {} : { input: values.input });
    if (!values.follow) {
      if (ctx.json) return printJson(ctx, started);
      ctx.out(`Started run ${started.run_id}; follow it with: npm run cli -- run ${started.run_id} --follow`);
      return;
    }
    return follow(ctx, started.run_id);
  },
  'genies eval': async (ctx) => {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        last: { type: 'string' },
        rubric: { type: 'string' },
        'min-score': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const genieId = positionals[0];
    if (!genieId || !values.file) {
      throw new StartupError('genies eval needs a GENIE_ID and --file changes.json (the genie fields to change)');
    }
    const changes = readJsonFile(values.file);
    if (!changes || typeof changes !== 'object' || Array.isArray(changes)) {
      throw new StartupError(`${values.file} must hold a JSON object of genie fields, e.g. {"soul_prompt": "…"}`);
    }
    const last = values.last === undefined ? undefined : Number(values.last);
    if (last !== undefined && !(Number.isInteger(last) && last >= 1 && last <= 50)) {
      throw new StartupError('--last needs a whole number of runs from 1 to 50');
    }
    const minScore = values['min-score'] === undefined ? undefined : Number(values['min-score']);
    if (minScore !== undefined && !(minScore >= 1 && minScore <= 5)) {
      throw new StartupError('--min-score needs a score from 1 to 5');
    }
    if (minScore !== undefined && values.rubric === undefined) {
      throw new StartupError('--min-score needs --rubric: without one no case is scored');
    }
    const started = await ctx.api.createEval(genieId, {
      changes: changes,
      ...(last === undefined ? {} : { last }),
      ...(values.rubric === undefined ? {} : { rubric: values.rubric }),
    });
    if (!ctx.json) ctx.out(`${dim('●')} eval ${started.eval_id}: ${started.cases} past runs, running…`);
    let evaluation = await ctx.api.getEval(started.eval_id);
    for (let seen = 0; evaluation.status === 'running'; evaluation = await ctx.api.getEval(started.eval_id)) {
      if (!ctx.json && evaluation.summary.finished > seen) {
        seen = evaluation.summary.finished;
        ctx.out(dim(`  ${seen} of ${evaluation.summary.cases} cases finished`));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const { summary } = evaluation;
    const scoreTooLow = minScore !== undefined && (summary.mean_score === null || summary.mean_score < minScore);
    const ok = evaluation.status === 'succeeded' && summary.failed === 0 && !scoreTooLow;
    if (ctx.json) {
      printJson(ctx, evaluation);
      return ok;
    }
    ctx.out(
      table(
        ['RUN', 'STATUS', 'SAME TOOLS', 'SCORE', 'COST', 'BEFORE', 'OUTPUT'],
        evaluation.cases.map((c) => [
          c.run_id,
          status(c.status),
          c.same_tool_sequence ? 'yes' : 'no',
          typeof c.score === 'number' ? String(c.score) : '-',
          usd(c.cost_usd),
          usd(c.baseline_cost_usd),
          (c.error ? `${c.error.type}: ${c.error.message}` : (c.output ?? '')).replace(/\s+/g, ' ').slice(0, 60),
        ])
      )
    );
    const mean = summary.mean_score === null ? 'no score' : `mean score ${summary.mean_score}`;
    const line = `${evaluation.status}: ${summary.finished} of ${summary.cases} cases, ${summary.failed} failed, ${summary.same_tool_sequence} same tools, ${mean}, ${usd(summary.cost_usd)} (the runs: ${usd(summary.baseline_cost_usd)})`;
    ctx.out(ok ? green(`✓ ${line}`) : red(`✗ ${line}`));
    if (scoreTooLow) ctx.out(red(`  the mean score is below --min-score ${minScore}`));
    if (ok) ctx.out(dim(`Apply it: POST /v1/evals/${evaluation.id}/apply (or in the console)`));
    return ok;
  },
  runs: async (ctx) => {
    const genieId = ctx.args.find((arg) => !arg.startsWith('--'));
    const page = genieId ? await ctx.api.listGenieRuns(genieId, { limit: 50 }) : await ctx.api.listRuns({ limit: 50 });
    if (ctx.json) return printJson(ctx, page);
    if (page.items.length === 0) return ctx.out('No runs yet.');
    ctx.out(table(RUN_HEADERS, runRows(page.items)));
  },
  run: async (ctx) => {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      allowPositionals: true,
      options: { follow: { type: 'boolean' }, json: { type: 'boolean' } },
    });
    const runId = positionals[0];
    if (!runId) throw new StartupError('run needs a RUN_ID');
    if (values.follow) return follow(ctx, runId);
    const run = await ctx.api.getRun(runId);
    if (ctx.json) return printJson(ctx, run);
    const soFar = UNFINISHED.includes(run.status) && run.cost_usd !== null ? `, ${usd(run.cost_usd)} so far` : '';
    ctx.out(
      `${dim('●')} run ${run.id} ${status(run.status)} ${dim(`${run.trigger_type}, started ${ago(run.started_at ?? run.created_at)}${soFar}`)}`
    );
    if (run.parent_run_id)
      ctx.out(dim(`  asked by run ${run.parent_run_id} (npm run cli -- run ${run.parent_run_id})`));
    for (const step of run.steps) ctx.out(stepLine(step));
    for (const child of run.children) {
      const cost = child.cost_usd === null ? '' : ` ${dim(usd(child.cost_usd))}`;
      ctx.out(`  ${dim('↳')} asked run ${child.run_id} ${status(child.status)}${cost}`);
    }
    for (const approval of run.approvals ?? []) if (approval.status === 'pending') ctx.out(approvalLine(approval));
    if (!UNFINISHED.includes(run.status)) for (const line of ending(run)) ctx.out(line);
    ctx.out(dim(`Temporal UI: ${run.temporal_ui_url}`));
    return run.status === 'succeeded' || UNFINISHED.includes(run.status);
  },
  notifications: async (ctx) => {
    const unread = ctx.args.includes('--unread');
    const page = await ctx.api.listNotifications({ limit: 50, unread: unread ? true : undefined });
    if (ctx.json) return printJson(ctx, page);
    if (page.items.length === 0) return ctx.out(unread ? 'No unread notifications.' : 'No notifications yet.');
    ctx.out(
      table(
        ['', 'WHEN', 'SUBJECT', 'MESSAGE'],
        page.items.map((n) => [
          n.read ? ' ' : bold('•'),
          ago(n.created_at),
          n.read ? n.subject : bold(n.subject),
          n.message.replace(/\s+/g, ' ').slice(0, 80),
        ])
      )
    );
  },
  approvals: async (ctx) => {
    const all = ctx.args.includes('--all');
    const page = await ctx.api.listApprovals({ limit: 50, status: all ? undefined : 'pending' });
    if (ctx.json) return printJson(ctx, page);
    if (page.items.length === 0) return ctx.out(all ? 'No approvals yet.' : 'Nothing is waiting for your approval.');
    ctx.out(
      table(
        ['APPROVAL', 'STATUS', 'REQUESTED', 'RUN', 'CALL'],
        page.items.map((a) => [
          a.id,
          a.status === 'pending' ? bold(`pending (expires ${ago(a.expires_at)})`) : status(a.status),
          ago(a.requested_at),
          a.run_id,
          callText(a, 60),
        ])
      )
    );
  },
  account: async (ctx) => {
    const { values } = parseArgs({
      args: ctx.args,
      options: { budget: { type: 'string' }, json: { type: 'boolean' } },
    });
    let account;
    if (values.budget === undefined) account = await ctx.api.getAccount();
    else {
      const budget = values.budget === 'none' ? null : Number(values.budget);
      if (budget !== null && !(Number.isFinite(budget) && budget > 0)) {
        throw new StartupError('--budget needs an amount in USD greater than 0 (e.g. 25), or none to remove it');
      }
      account = await ctx.api.updateAccount({ monthly_budget_usd: budget });
    }
    if (ctx.json) return printJson(ctx, account);
    ctx.out(
      `${dim('spend')}    ${usd(account.spend.today_usd)} today, ${usd(account.spend.month_usd)} this month (UTC)`
    );
    ctx.out(
      `${dim('budget')}   ${account.monthly_budget_usd === null ? 'none (set one with --budget USD)' : budgetLine(account.spend, account.monthly_budget_usd)}`
    );
  },
  approve: (ctx) => decide(ctx, 'approve'),
  deny: (ctx) => decide(ctx, 'deny'),
  'mcp inspect': async (ctx) => {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      allowPositionals: true,
      options: { credential: { type: 'string' }, json: { type: 'boolean' } },
    });
    const url = positionals[0];
    if (!url) throw new StartupError('mcp inspect needs the server’s URL (e.g. https://mcp.example.com/mcp)');
    let found: McpServerInspection;
    try {
      found = await ctx.api.inspectMcpServer({
        url,
        ...(values.credential === undefined ? {} : { credential: values.credential }),
      });
    } catch (err) {
      // 400 (a refused or malformed URL), 404 (no such credential), 409 (the server could not be
      // reached, refused the handshake or the credential): the API's message says it all.
      if (!(err instanceof GenieApiError) || ![400, 404, 409].includes(err.status)) throw err;
      const credential = err.status === 404 && values.credential ? ` (you have none named "${values.credential}")` : '';
      throw new StartupError(`${err.message}${credential}`);
    }
    if (ctx.json) return printJson(ctx, found);
    for (const line of inspectionLines(found)) ctx.out(line);
  },
};

/** A JSON file's content, or a one-line error naming the file. */
function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StartupError(`Cannot read ${file} as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A monthly budget and how much of it this month's spend used. */
function budgetLine(spend: { month_usd: number }, budget: number): string {
  const share = Math.round((spend.month_usd / budget) * 100);
  const line = `${usd(spend.month_usd)} of ${usd(budget)} this month (${share} %)`;
  return share >= 100 ? red(`${line}: spent, runs wait until it is raised or the month ends`) : line;
}

/** What an MCP server offers: its name, version and protocol, then its tools as a table. */
function inspectionLines(found: McpServerInspection): string[] {
  const lines = [
    `${dim('server')}    ${bold(found.server.name)} ${found.server.version}`,
    `${dim('protocol')}  ${found.protocol_version}`,
  ];
  if (found.tools.length === 0) return [...lines, '', 'The server lists no tools.'];
  const firstLine = (text: string) => {
    const line = text.trim().split('\n')[0]!.trim();
    return line.length > 100 ? `${line.slice(0, 99)}…` : line;
  };
  return [
    ...lines,
    '',
    table(
      ['TOOL', 'READ-ONLY', 'DESCRIPTION'],
      found.tools.map((tool) => [tool.name, tool.read_only ? 'yes' : dim('no'), firstLine(tool.description)])
    ),
    '',
    dim(
      `${found.tools.length} tools. Under the default approval policy (writes), calls of the tools that are not read-only wait for you.`
    ),
  ];
}

/** approve|deny APPROVAL_ID [--note TEXT]: the decision reaches the waiting run at once. */
async function decide(ctx: CommandContext, verdict: 'approve' | 'deny'): Promise<void> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: { note: { type: 'string' }, json: { type: 'boolean' } },
  });
  const approvalId = positionals[0];
  if (!approvalId) throw new StartupError(`${verdict} needs an APPROVAL_ID (see: npm run cli -- approvals)`);
  const decision = values.note === undefined ? {} : { note: values.note };
  const approval =
    verdict === 'approve'
      ? await ctx.api.approveApproval(approvalId, decision)
      : await ctx.api.denyApproval(approvalId, decision);
  if (ctx.json) return printJson(ctx, approval);
  if (approval.status === 'pending') {
    ctx.out(
      `Sent: ${verdict} ${callText(approval)}. No worker is running the genie right now; the run takes your decision as soon as one is back.`
    );
    return;
  }
  ctx.out(
    `${approval.status === 'approved' ? green('Approved') : red('Denied')} ${callText(approval)}; run ${approval.run_id} goes on (npm run cli -- run ${approval.run_id} --follow)`
  );
}

export const PEOPLE_USAGE = `Commands (over the REST API: GENIE_API_URL, default the running npm start's; GENIE_API_KEY,
default the dev key of GENIE_DATA_DIR):
  genies list                                  your genies, with their last run
  genies get GENIE_ID                          one genie, its schedule and recent runs
  genies create --file F.json                  create a genie from a JSON file (name, soul_prompt, …)
  genies eval GENIE_ID --file CHANGES.json [--last N] [--rubric TEXT] [--min-score X]
                                               try a change against past runs; exits 1 when a case
                                               failed or the mean score is below X
  genies run GENIE_ID [--input TEXT] [--follow]
                                               start a run; --follow shows its steps as they happen
                                               and exits 0 when it succeeded, 1 otherwise
  runs [GENIE_ID]                              recent runs, of one genie or all
  run RUN_ID [--follow]                        a run with its steps (or follow it live)
  notifications [--unread]                     what your genies told you
  approvals [--all]                            calls waiting for your approval (--all: decided too)
  approve APPROVAL_ID [--note TEXT]            let the waiting call run (once)
  deny APPROVAL_ID [--note TEXT]               refuse it; the genie is told, with your note
  account [--budget USD|none]                  what all your genies spent; set or remove their
                                               monthly budget
  mcp inspect URL [--credential NAME]          an MCP server's name, version and tools (read-only or
                                               not), before a genie uses it (mcp_servers)
Options: --json prints the API's JSON (one JSON event per line with --follow, Claude's live text
as "text" and "text_reset" events included).`;

/** The people command `argv` starts with, if any. */
export function commandOf(argv: string[]): string | undefined {
  const words = argv.filter((arg) => !arg.startsWith('--'));
  return [`${words[0]} ${words[1]}`, words[0]].find((name) => name !== undefined && name in COMMANDS);
}

export async function runCommand(name: string, ctx: Omit<CommandContext, 'args'>, argv: string[]): Promise<boolean> {
  const words = name.split(' ').length;
  const args = [...argv];
  for (let removed = 0; removed < words;) {
    const index = args.findIndex((arg) => !arg.startsWith('--'));
    args.splice(index, 1);
    removed++;
  }
  try {
    const outcome = await COMMANDS[name]!({ ...ctx, args });
    return outcome !== false;
  } catch (err) {
    throw cliError(err, ctx.api.baseUrl);
  }
}
