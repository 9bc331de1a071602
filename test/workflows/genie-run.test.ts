import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Activities } from '../../activities';
import type { RunEnd } from '../../domain/runs';
import { genieRun } from '../../workflows/genie-run';
import {
  approvalDecidedSignal,
  budgetChangedSignal,
  childWaitingSignal,
  decideApprovalUpdate,
  runStatusQuery,
  type GenieRunInput,
  type ModelTurn,
  type ToolCallRef,
} from '../../temporal/contract';
import { startWorkflowWorker, type WorkflowWorker } from '../support/workflow-worker';

/**
 * The loop logic of genieRun on a real dev server, with its activities replaced by a scripted model
 * and recording stubs (the integration tests run the real activities).
 */

const usage = (n = 10) => ({
  input_tokens: n,
  output_tokens: n,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});
const reply = (stopReason: string, toolCalls: ToolCallRef[] = [], n = 10): ModelTurn => ({
  stopReason,
  toolCalls,
  usage: usage(n),
});
const call = (name: string): ToolCallRef => ({ id: `toolu_${crypto.randomUUID()}`, name, summary: `${name} x` });

interface Script {
  replies: Array<ModelTurn | Error | (() => Promise<ModelTurn>)>;
  plan?: { maxTurns?: number; maxTokensPerRun?: number | null };
}

const scripts = new Map<string, Script>();
const calls: Array<{ runId: string; activity: string; arg: any; at: number; done?: number }> = [];
const ends = new Map<string, RunEnd>();

/** Per run: the approval its gated call gets, and a gate its request waits on (released by the test). */
const approvalRequests = new Map<string, { approvalId: string; gate: Promise<void> }>();
const settled: Array<{ runId: string; approvalId: string; status: string; note: string | null }> = [];

/** ask_genie: the gate startDelegation waits on, and the calls abandonDelegation got. */
let delegationGate: Promise<void> = Promise.resolve();
const abandoned: string[] = [];

const stubs: Pick<
  Activities,
  | 'startRun'
  | 'callModel'
  | 'runTool'
  | 'finishRun'
  | 'requestApproval'
  | 'settleApproval'
  | 'startDelegation'
  | 'abandonDelegation'
> = {
  startDelegation: async ({ runId, toolUseId }) => {
    calls.push({ runId, activity: 'startDelegation', arg: toolUseId, at: Date.now() });
    await delegationGate;
    return { answered: { isError: true, preview: 'refused' } };
  },
  abandonDelegation: async ({ toolUseId }) => {
    abandoned.push(toolUseId);
  },
  requestApproval: async ({ runId }) => {
    const request = approvalRequests.get(runId)!;
    await request.gate;
    return {
      approvalId: request.approvalId,
      status: 'pending',
      note: null,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
  },
  settleApproval: async ({ runId, approvalId, status, note }) => {
    settled.push({ runId, approvalId, status, note });
    return { approvalId, status, note };
  },
  startRun: async ({ runId }) => {
    const plan = scripts.get(runId!)!.plan ?? {};
    return {
      runId: runId!,
      genieName: 'stub',
      maxTurns: plan.maxTurns ?? 20,
      maxTokensPerRun: plan.maxTokensPerRun ?? null,
    };
  },
  callModel: async ({ runId, turn }) => {
    calls.push({ runId, activity: 'callModel', arg: turn, at: Date.now() });
    const next = scripts.get(runId)!.replies.shift();
    if (!next) throw ApplicationFailure.nonRetryable('script exhausted', 'ScriptExhausted');
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next() : next;
  },
  runTool: async ({ runId, toolUseId }) => {
    const entry: { runId: string; activity: string; arg: any; at: number; done?: number } = {
      runId,
      activity: 'runTool',
      arg: toolUseId,
      at: Date.now(),
    };
    calls.push(entry);
    await new Promise((resolve) => setTimeout(resolve, 300));
    entry.done = Date.now();
    return { isError: false, preview: 'ok' };
  },
  finishRun: async ({ runId, status, error }) => {
    ends.set(runId, { status, error });
    return {};
  },
};

let env: WorkflowWorker;
let client: Client;
const taskQueue = `genie-run-wf-${Date.now()}`;

beforeAll(async () => {
  env = await startWorkflowWorker(taskQueue, stubs);
  client = env.client;
}, 120_000);
afterAll(() => env.stop());

function start(script: Script, testing?: GenieRunInput['testing']) {
  const runId = crypto.randomUUID();
  scripts.set(runId, script);
  const input: GenieRunInput = {
    runId,
    genieId: crypto.randomUUID(),
    ownerId: crypto.randomUUID(),
    trigger: { type: 'manual' },
    ...(testing ? { testing } : {}),
  };
  return {
    runId,
    handle: client.workflow.start(genieRun, { taskQueue, workflowId: `genie-run-${runId}`, args: [input] }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const callsOf = (runId: string, activity?: string) =>
  calls.filter((c) => c.runId === runId && (!activity || c.activity === activity));

describe('genieRun', () => {
  it('runs the tool calls of a turn concurrently, feeds back, and succeeds on end_turn', async () => {
    const { runId, handle } = start({
      replies: [reply('tool_use', [call('memory_read'), call('memory_write')]), reply('end_turn')],
    });
    expect(await (await handle).result()).toEqual({ status: 'succeeded', error: null });
    const tools = callsOf(runId, 'runTool');
    expect(tools).toHaveLength(2);
    expect(tools[1]!.at).toBeLessThan(tools[0]!.done!); // the second started before the first finished
    expect(callsOf(runId, 'callModel').map((c) => c.arg)).toEqual([1, 2]);
    expect(ends.get(runId)).toEqual({ status: 'succeeded', error: null });
  });

  it('treats stop_sequence as the end of the run', async () => {
    const { runId, handle } = start({ replies: [reply('stop_sequence')] });
    await (await handle).result();
    expect(ends.get(runId)!.status).toBe('succeeded');
  });

  it.each(['pause_turn', 'max_tokens'])('continues after %s without running tools', async (stopReason) => {
    const { runId, handle } = start({ replies: [reply(stopReason, [call('memory_read')]), reply('end_turn')] });
    await (await handle).result();
    expect(callsOf(runId, 'callModel')).toHaveLength(2);
    expect(callsOf(runId, 'runTool')).toHaveLength(0);
    expect(ends.get(runId)!.status).toBe('succeeded');
  });

  it.each([
    ['refusal', 'refusal'],
    ['model_context_window_exceeded', 'context_window_exceeded'],
    ['something_new', 'unexpected_stop_reason'],
  ])('fails the run on %s, and fails the workflow the same way', async (stopReason, type) => {
    const { runId, handle } = start({ replies: [reply(stopReason)] });
    const err = await (await handle).result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe(type);
    expect(ends.get(runId)).toEqual({ status: 'failed', error: { type, message: expect.any(String) } });
  });

  it('waits for a spent budget until budgetChanged, the wait not counting toward its deadline', async () => {
    const wait: ModelTurn = { ...reply('budget_wait'), budgetWait: { scope: 'genie', releaseInMs: 3_600_000 } };
    const { runId, handle } = start({ replies: [wait, reply('end_turn')] }, { deadlineMs: 2_000 });
    const run = await handle;
    for (let i = 0; i < 50 && (await run.query(runStatusQuery)).phase !== 'waiting_budget'; i++) await sleep(100);
    expect((await run.query(runStatusQuery)).phase).toBe('waiting_budget');
    await sleep(3_000); // past the 2 s deadline: waiting for a budget does not count
    expect(callsOf(runId, 'callModel')).toHaveLength(1);
    await run.signal(budgetChangedSignal);
    expect(await run.result()).toEqual({ status: 'succeeded', error: null });
    expect(callsOf(runId, 'callModel').map((c) => c.arg)).toEqual([1, 1]); // the same turn, asked again
  });

  it('asks again when the month turns (its timer), with no signal', async () => {
    const wait: ModelTurn = { ...reply('budget_wait'), budgetWait: { scope: 'account', releaseInMs: 1_500 } };
    const { runId, handle } = start({ replies: [wait, wait, reply('end_turn')] });
    const run = await handle;
    expect(await run.result()).toEqual({ status: 'succeeded', error: null });
    const asked = callsOf(runId, 'callModel');
    expect(asked).toHaveLength(3);
    expect(asked[1]!.at - asked[0]!.at).toBeGreaterThanOrEqual(1_400);
    expect(asked[2]!.at - asked[1]!.at).toBeGreaterThanOrEqual(1_400);
  });

  it('stops at max_turns without running the last turn’s tools', async () => {
    const toolTurn = () => reply('tool_use', [call('memory_read')]);
    const { runId, handle } = start({
      replies: [toolTurn(), toolTurn(), toolTurn(), toolTurn()],
      plan: { maxTurns: 3 },
    });
    await (await handle).result().catch(() => undefined);
    expect(callsOf(runId, 'callModel')).toHaveLength(3);
    expect(callsOf(runId, 'runTool')).toHaveLength(2);
    expect(ends.get(runId)!.error!.type).toBe('max_turns_exceeded');
  });

  it('stops when the token budget is spent', async () => {
    const toolTurn = () => reply('tool_use', [call('memory_read')], 30);
    const { runId, handle } = start({ replies: [toolTurn(), toolTurn(), toolTurn()], plan: { maxTokensPerRun: 100 } });
    await (await handle).result().catch(() => undefined);
    expect(callsOf(runId, 'callModel')).toHaveLength(2); // 60 tokens, then 120 ≥ 100
    expect(ends.get(runId)!.error!.type).toBe('token_budget_exceeded');
  });

  it('records a permanent model failure with its type and message', async () => {
    const { runId, handle } = start({
      replies: [ApplicationFailure.nonRetryable('Anthropic answered 401: bad key', 'ModelRequestRejected')],
    });
    await (await handle).result().catch(() => undefined);
    expect(ends.get(runId)).toEqual({
      status: 'failed',
      error: { type: 'ModelRequestRejected', message: 'Anthropic answered 401: bad key' },
    });
  });

  it('answers the status query mid-run, and records cancelled when cancelled', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const { runId, handle } = start({
      replies: [
        async () => {
          await blocked;
          return reply('end_turn');
        },
      ],
    });
    const wf = await handle;
    let status;
    for (let i = 0; i < 50 && status?.phase !== 'calling_model'; i++) {
      status = await wf.query(runStatusQuery);
      if (status.phase !== 'calling_model') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toEqual({
      phase: 'calling_model',
      turn: 1,
      currentTools: [],
      usage: usage(0),
      pendingApprovals: [],
    });
    await wf.cancel();
    await expect(wf.result()).rejects.toThrow();
    release();
    expect(ends.get(runId)!.status).toBe('cancelled');
    expect((await wf.describe()).status.name).toBe('CANCELLED');
  });

  it('cancelled while it records the run a genie asks for, cancels that run too (it never started)', async () => {
    let release!: () => void;
    delegationGate = new Promise<void>((resolve) => (release = resolve));
    const asking = call('ask_genie');
    const { runId, handle } = start({ replies: [reply('tool_use', [asking]), reply('end_turn')] });
    const wf = await handle;
    for (let i = 0; i < 50 && callsOf(runId, 'startDelegation').length === 0; i++) await sleep(100);
    await wf.cancel();
    await expect(wf.result()).rejects.toThrow();
    release();
    expect(abandoned).toContain(asking.id);
    expect(ends.get(runId)!.status).toBe('cancelled');
    delegationGate = Promise.resolve();
  });

  it('shows waiting_child while a run it asked for says it waits', async () => {
    let release!: () => void;
    delegationGate = new Promise<void>((resolve) => (release = resolve));
    const { runId, handle } = start({ replies: [reply('tool_use', [call('ask_genie')]), reply('end_turn')] });
    const wf = await handle;
    for (let i = 0; i < 50 && callsOf(runId, 'startDelegation').length === 0; i++) await sleep(100);
    expect((await wf.query(runStatusQuery)).phase).toBe('running_tools');
    await wf.signal(childWaitingSignal, { runId: 'child-1', waiting: true });
    expect((await wf.query(runStatusQuery)).phase).toBe('waiting_child');
    await wf.signal(childWaitingSignal, { runId: 'child-1', waiting: false });
    expect((await wf.query(runStatusQuery)).phase).toBe('running_tools');
    release();
    await wf.result();
    expect(ends.get(runId)!.status).toBe('succeeded');
    delegationGate = Promise.resolve();
  });

  it('applies a decision signalled before the run registered its approval, and only the first', async () => {
    let release!: () => void;
    const approvalId = crypto.randomUUID();
    const gated = { ...call('notify_owner'), needsApproval: true };
    const { runId, handle } = start({ replies: [reply('tool_use', [gated]), reply('end_turn')] });
    approvalRequests.set(runId, { approvalId, gate: new Promise<void>((resolve) => (release = resolve)) });
    const wf = await handle;
    // The request is still on its way (its activity has not answered): the update is refused…
    for (let i = 0; i < 50 && callsOf(runId, 'callModel').length === 0; i++) await sleep(100);
    await expect(
      wf.executeUpdate(decideApprovalUpdate, { args: [{ approvalId, decision: 'approved', note: null }] })
    ).rejects.toThrow();
    // …but the signal is kept, and a later, different one does not overturn it.
    await wf.signal(approvalDecidedSignal, { approvalId, decision: 'denied', note: 'early' });
    await wf.signal(approvalDecidedSignal, { approvalId, decision: 'approved', note: 'late' });
    release();
    expect(await wf.result()).toMatchObject({ status: 'succeeded' });
    expect(settled.filter((s) => s.runId === runId)).toEqual([{ runId, approvalId, status: 'denied', note: 'early' }]);
    const [tool] = callsOf(runId, 'runTool');
    expect(tool!.arg).toBe(gated.id);
  });
});
