// Representative workflow executions, recorded as replay fixtures by `npm run replay:record`: the
// real workflow code on a dev server with scripted activities (replay needs only the history and
// the workflow code, never the activities). Each scenario returns the workflow ids to keep.
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Activities } from '../../activities';
import {
  approvalDecidedSignal,
  budgetChangedSignal,
  decideApprovalUpdate,
  eventSignal,
  type GenieRunInput,
  type InboxEvent,
  type ModelTurn,
  type ToolCallRef,
} from '../../temporal/contract';
import { genieEval } from '../../workflows/genie-eval';
import { genieEvents } from '../../workflows/genie-events';
import { genieRun } from '../../workflows/genie-run';
import { webhookDelivery } from '../../workflows/webhook-delivery';

const usage = { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
const reply = (stopReason: string, toolCalls: ToolCallRef[] = []): ModelTurn => ({ stopReason, toolCalls, usage });
const call = (name: string, needsApproval = false): ToolCallRef => ({
  id: `toolu_${crypto.randomUUID()}`,
  name,
  summary: `${name} fixture`,
  ...(needsApproval ? { needsApproval: true } : {}),
});

/** Per run: the model's replies, how long its approvals live, and whether its calls go through batches. */
const scripts = new Map<
  string,
  { replies: ModelTurn[]; approvalMs?: number; blockFirstTurn?: Promise<void>; batch?: boolean }
>();
const deliveryAttempts = new Map<string, number>();
/** The child runs startDelegation made, in order. */
const delegatedRuns: string[] = [];

export const scenarioActivities: Partial<Activities> = {
  startRun: async ({ runId }) => ({
    runId: runId ?? crypto.randomUUID(),
    genieName: 'fixture',
    maxTurns: 5,
    maxTokensPerRun: null,
    ...(runId && scripts.get(runId)?.batch ? { modelMode: 'batch' as const } : {}),
  }),
  callModel: async ({ runId, turn }) => {
    const script = scripts.get(runId);
    if (turn === 1 && script?.blockFirstTurn) await script.blockFirstTurn;
    return script?.replies.shift() ?? reply('end_turn');
  },
  submitModelBatch: async ({ runId, turn, submission }) => ({ batchId: `msgbatch_${runId}_${turn}_${submission}` }),
  pollModelBatch: async () => ({ ended: true }),
  collectModelBatch: async ({ runId, submission }) =>
    // The first batch of each turn expired: it is submitted again.
    submission === 1
      ? { resultType: 'expired' }
      : { resultType: 'succeeded', reply: scripts.get(runId)?.replies.shift() ?? reply('end_turn') },
  cancelModelBatch: async () => undefined,
  evalCases: async () => ({
    cases: [
      { runId: crypto.randomUUID(), genieId: crypto.randomUUID() },
      { runId: crypto.randomUUID(), genieId: crypto.randomUUID() },
    ],
    judged: true,
  }),
  judgeEvalCase: async () => undefined,
  finishEval: async () => undefined,
  runTool: async () => ({ isError: false, preview: 'ok' }),
  // The asked genie's run waits for an approval that expires (its parent shows waiting_child), then ends.
  startDelegation: async () => {
    const childRunId = crypto.randomUUID();
    scripts.set(childRunId, {
      replies: [reply('tool_use', [call('notify_owner', true)]), reply('end_turn')],
      approvalMs: 1500,
    });
    delegatedRuns.push(childRunId);
    return { childRunId, genieId: crypto.randomUUID(), genieName: 'asked fixture' };
  },
  finishDelegation: async () => ({ isError: false, preview: 'answered', costMicroUsd: 1200 }),
  finishRun: async () => ({}),
  requestApproval: async ({ runId, toolUseId }) => ({
    approvalId: `approval-${toolUseId}`,
    status: 'pending',
    note: null,
    expiresAt: new Date(Date.now() + (scripts.get(runId)?.approvalMs ?? 3_600_000)).toISOString(),
  }),
  settleApproval: async ({ approvalId, status, note }) => ({ approvalId, status, note }),
  prepareEventRun: async () => ({ start: true, runId: crypto.randomUUID(), maxConcurrent: 1 }),
  dropEvents: async () => undefined,
  deliverWebhook: async ({ deliveryId }) => {
    const attempts = (deliveryAttempts.get(deliveryId) ?? 0) + 1;
    deliveryAttempts.set(deliveryId, attempts);
    if (attempts < 2) throw new Error('HTTP 503 (fixture)');
  },
  giveUpWebhook: async () => undefined,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the run's status query shows a pending approval, and returns its id. */
async function pendingApproval(client: Client, workflowId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const status = await client.workflow
      .getHandle(workflowId)
      .query<{ pendingApprovals?: Array<{ approvalId: string }> }>('status');
    const pending = status.pendingApprovals?.[0];
    if (pending) return pending.approvalId;
    await sleep(100);
  }
  throw new Error(`${workflowId} never waited for an approval`);
}

/** One workflow execution to keep (the latest run of the id when no runId). */
export interface Execution {
  workflowId: string;
  runId?: string;
}

export type Scenario = (client: Client, taskQueue: string) => Promise<Array<Execution | string>>;

function startRun(
  client: Client,
  taskQueue: string,
  replies: ModelTurn[],
  extra: Partial<GenieRunInput> = {},
  options: { approvalMs?: number; blockFirstTurn?: Promise<void>; batch?: boolean } = {}
) {
  const runId = crypto.randomUUID();
  scripts.set(runId, { replies, ...options });
  const workflowId = `genie-run-${runId}`;
  const input: GenieRunInput = {
    runId,
    genieId: crypto.randomUUID(),
    ownerId: crypto.randomUUID(),
    trigger: { type: 'manual' },
    ...extra,
  };
  return { workflowId, started: client.workflow.start(genieRun, { taskQueue, workflowId, args: [input] }) };
}

export const SCENARIOS: Record<string, Scenario> = {
  'run-one-turn': async (client, taskQueue) => {
    const { workflowId, started } = startRun(client, taskQueue, [reply('end_turn')]);
    await (await started).result();
    return [workflowId];
  },
  'run-parallel-tools': async (client, taskQueue) => {
    const { workflowId, started } = startRun(client, taskQueue, [
      reply('tool_use', [call('memory_write'), call('query_data'), call('notify_owner')]),
      reply('max_tokens'),
      reply('end_turn'),
    ]);
    await (await started).result();
    return [workflowId];
  },
  'run-cancelled': async (client, taskQueue) => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const { workflowId, started } = startRun(client, taskQueue, [reply('end_turn')], {}, { blockFirstTurn: blocked });
    const handle = await started;
    await sleep(500);
    await handle.cancel();
    await handle.result().catch(() => undefined);
    release();
    return [workflowId];
  },
  'run-timed-out': async (client, taskQueue) => {
    // The model never answers within the run's (here 1.5 s) deadline: the run records timed_out.
    const { workflowId, started } = startRun(
      client,
      taskQueue,
      [reply('end_turn')],
      { testing: { deadlineMs: 1500 } },
      { blockFirstTurn: sleep(4000).then(() => undefined) }
    );
    await (await started).result().catch(() => undefined);
    return [workflowId];
  },
  'run-scheduled': async (client, taskQueue) => {
    // A scheduled run has no run id in its (fixed) arguments: its first activity makes one.
    const workflowId = `genie-run-sched-${crypto.randomUUID()}-2026-11-28T09:00:00Z`;
    const input: GenieRunInput = {
      genieId: crypto.randomUUID(),
      ownerId: crypto.randomUUID(),
      trigger: { type: 'schedule' },
    };
    await (await client.workflow.start(genieRun, { taskQueue, workflowId, args: [input] })).result();
    return [workflowId];
  },
  'run-approval-approved': async (client, taskQueue) => {
    const { workflowId, started } = startRun(client, taskQueue, [
      reply('tool_use', [call('notify_owner', true), call('memory_read')]),
      reply('end_turn'),
    ]);
    const handle = await started;
    const approvalId = await pendingApproval(client, workflowId);
    await handle.executeUpdate(decideApprovalUpdate, { args: [{ approvalId, decision: 'approved', note: 'fixture' }] });
    await handle.result();
    return [workflowId];
  },
  'run-approval-signalled-denial': async (client, taskQueue) => {
    const { workflowId, started } = startRun(client, taskQueue, [
      reply('tool_use', [call('web_fetch', true)]),
      reply('end_turn'),
    ]);
    const handle = await started;
    const approvalId = await pendingApproval(client, workflowId);
    await handle.signal(approvalDecidedSignal, { approvalId, decision: 'denied', note: 'no worker at the time' });
    await handle.result();
    return [workflowId];
  },
  'run-approval-expired': async (client, taskQueue) => {
    const { workflowId, started } = startRun(
      client,
      taskQueue,
      [reply('tool_use', [call('notify_owner', true)]), reply('end_turn')],
      {},
      { approvalMs: 1500 }
    );
    await (await started).result();
    return [workflowId];
  },
  'run-budget-wait': async (client, taskQueue) => {
    // A spent budget: the run waits, a raise signals it, it asks again and goes on.
    const wait: ModelTurn = { ...reply('budget_wait'), budgetWait: { scope: 'genie', releaseInMs: 3_600_000 } };
    const { workflowId, started } = startRun(client, taskQueue, [wait, reply('end_turn')]);
    const handle = await started;
    for (let i = 0; i < 50 && (await handle.query<{ phase: string }>('status')).phase !== 'waiting_budget'; i++) {
      await sleep(100);
    }
    await handle.signal(budgetChangedSignal);
    await handle.result();
    return [workflowId];
  },
  'run-batch': async (client, taskQueue) => {
    // Two turns through batches, the first batch of each expiring (10 s of timers each).
    const { workflowId, started } = startRun(
      client,
      taskQueue,
      [reply('tool_use', [call('memory_write')]), reply('end_turn')],
      {},
      { batch: true }
    );
    await (await started).result();
    return [workflowId];
  },
  'run-delegated': async (client, taskQueue) => {
    // ask_genie: a child genieRun that waits for an approval (signalling its parent), then answers.
    const { workflowId, started } = startRun(client, taskQueue, [
      reply('tool_use', [call('ask_genie'), call('memory_write')]),
      reply('end_turn'),
    ]);
    await (await started).result();
    return [workflowId, `genie-run-${delegatedRuns[delegatedRuns.length - 1]!}`];
  },
  'eval-two-cases': async (client, taskQueue) => {
    const workflowId = `genie-eval-${crypto.randomUUID()}`;
    await (
      await client.workflow.start(genieEval, {
        taskQueue,
        workflowId,
        args: [{ evalId: crypto.randomUUID(), ownerId: crypto.randomUUID() }],
      })
    ).result();
    return [workflowId];
  },
  'webhook-delivery-retried': async (client, taskQueue) => {
    const deliveryId = crypto.randomUUID();
    const workflowId = `genie-webhook-${deliveryId}`;
    await (
      await client.workflow.start(webhookDelivery, {
        taskQueue,
        workflowId,
        args: [{ ownerId: crypto.randomUUID(), deliveryId }],
      })
    ).result();
    return [workflowId];
  },
  'inbox-continue-as-new': async (client, taskQueue) => {
    const genieId = crypto.randomUUID();
    const workflowId = `genie-events-${genieId}`;
    const deliver = (n: number) =>
      client.workflow.signalWithStart(genieEvents, {
        workflowId,
        taskQueue,
        args: [{ genieId, ownerId: crypto.randomUUID(), testing: { continueAsNewAfter: 2 } }],
        signal: eventSignal,
        signalArgs: [
          { eventId: `event-${n}`, eventType: 'lead.created', idempotencyKey: `key-${n}` } satisfies InboxEvent,
        ],
      });
    for (let n = 0; n < 3; n++) await deliver(n);
    // Every execution of the chain that has closed (continued as new after two events).
    for (let i = 0; i < 100; i++) {
      const closed: Execution[] = [];
      for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
        if (run.status.name === 'CONTINUED_AS_NEW') closed.push({ workflowId, runId: run.runId });
      }
      if (closed.length > 0) return closed;
      await sleep(200);
    }
    throw new Error('the inbox never continued as new');
  },
};
