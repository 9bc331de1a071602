import { spawn } from 'node:child_process';
import { temporal } from '@temporalio/proto';
import { runToolCall } from '../../activities/tools/run-tool';
import { findTemporalCli } from '../../dev/temporal-cli';
import { text, toolUse } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { testToolDeps } from '../support/keys';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/**
 * Someone who reaches Temporal but not the API (no API key, no payload key) can neither feed a
 * workflow plain input nor decide an approval: the run's decisions come from Postgres, and plain
 * payloads are refused. Driven with the `temporal` CLI, as such a person would.
 */
const { fake, smtp, h, taskQueue, createUser } = useStack({ worker: { linksToApi: true }, smtp: true });
let owner: TestUser;
const EventType = temporal.api.enums.v1.EventType;

beforeAll(async () => {
  owner = await createUser('bypass');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the Temporal CLI against the suite's server; resolves with its exit code and output. */
function temporalCli(...args: string[]): Promise<{ code: number | null; out: string }> {
  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cli) throw new Error('the Temporal CLI is missing (npm install puts it in .tools/)');
  return new Promise((resolve, reject) => {
    const child = spawn(cli, [...args, '--address', process.env.TEMPORAL_ADDRESS!]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

/** A run of a genie whose notify_owner (by email) waits for approval, waiting for it. */
async function waitingRun(subject: string) {
  const { genie, marker } = await createScriptedGenie(h, owner, {
    approval_required: ['notify_owner'],
    tools: ['notify_owner'],
  });
  fake.script(marker, [
    toolUse([{ name: 'notify_owner', input: { subject, message: 'Sent only if approved.', channel: 'email' } }]),
    text('done'),
  ]);
  const { run_id: runId, workflow_id: workflowId } = await startRun(h, owner, genie.id);
  const run = await waitForRun(h, owner, runId, {
    until: (r) => r.status === 'waiting_approval' && r.approvals.some((a: any) => a.status === 'pending'),
  });
  // The workflow has taken in its own request once its status query lists the approval.
  for (let i = 0; i < 50; i++) {
    const status: any = await h.temporal.workflow.getHandle(workflowId).query('status');
    if (status.pendingApprovals?.length) break;
    await sleep(100);
  }
  return { genie, marker, runId, workflowId, approval: run.approvals[0] };
}

/** The failures of the workflow's tasks so far (a refused payload fails its task). */
async function workflowTaskFailures(workflowId: string): Promise<string[]> {
  const { history } = await h.temporal.workflowService.getWorkflowExecutionHistory({
    namespace: 'default',
    execution: { workflowId },
  });
  return (history?.events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
    .map((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? '');
}

async function until<T>(get: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(200);
  }
}

const mailsAbout = (subject: string) => smtp.mails.filter((m) => m.subject.includes(subject));

describe('a decision sent straight to Temporal', () => {
  it('runs nothing, even encrypted through the codec: Postgres holds no such decision', async () => {
    const subject = `forged-${Date.now()}`;
    const { runId, workflowId, approval } = await waitingRun(subject);
    const decision = JSON.stringify({ approvalId: approval.id, decision: 'approved', note: 'forged' });
    const codec = ['--codec-endpoint', `${h.url}/codec`];

    // The update the API sends and the signal it falls back to, both encoded as the service's own.
    // The update first: while the workflow is still settling a forged signal it refuses a second
    // decision (already decided) instead of answering what Postgres holds.
    const update = await temporalCli(
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      workflowId,
      '--name',
      'decideApproval',
      '--input',
      decision,
      '-o',
      'json',
      ...codec
    );
    expect(update.out).toContain('"pending"'); // the run answers what Postgres holds: still pending
    const signal = await temporalCli(
      'workflow',
      'signal',
      '--workflow-id',
      workflowId,
      '--name',
      'approvalDecided',
      '--input',
      decision,
      ...codec
    );
    expect(signal.code).toBe(0);
    await sleep(1500);

    const row = await h.db('approvals').where({ id: approval.id }).first();
    expect(row).toMatchObject({ status: 'pending', decision_sent: null, decided_at: null });
    const run = await waitForRun(h, owner, runId, { until: () => true });
    expect(run.status).toBe('waiting_approval');
    expect(run.steps.filter((s: any) => s.tool === 'notify_owner')).toHaveLength(0);
    expect(mailsAbout(subject)).toHaveLength(0);
    expect(await h.db('notifications').where({ run_id: runId, tool_use_id: approval.tool_use_id })).toHaveLength(0);

    // The owner's own decision still counts, and the call runs once.
    const approved = await h.call('POST', `/v1/approvals/${approval.id}/approve`, { key: owner.key, body: {} });
    expect(approved.status).toBe(200);
    expect(approved.body.data.status).toBe('approved');
    const done = await waitForRun(h, owner, runId);
    expect(done.status).toBe('succeeded');
    await until(
      async () => mailsAbout(subject).length,
      (n) => n > 0
    );
    expect(mailsAbout(subject)).toHaveLength(1);
  }, 90_000);

  it('in plain JSON is refused by the worker, and the gated call never runs', async () => {
    const subject = `plain-${Date.now()}`;
    const { genie, runId, workflowId, approval } = await waitingRun(subject);
    const signal = await temporalCli(
      'workflow',
      'signal',
      '--workflow-id',
      workflowId,
      '--name',
      'approvalDecided',
      '--input',
      JSON.stringify({ approvalId: approval.id, decision: 'approved', note: 'plain' })
    );
    expect(signal.code).toBe(0); // Temporal stores it; the worker will not read it
    const failures = await until(
      () => workflowTaskFailures(workflowId),
      (f) => f.length > 0
    );
    expect(failures.join('\n')).toMatch(/not encrypted/);
    expect((await h.db('approvals').where({ id: approval.id }).first()).status).toBe('pending');

    // And were a worker ever told to run the call anyway, it would not: no approval is recorded.
    const summary = await runToolCall(testToolDeps(h.db), {
      runId,
      ownerId: owner.id,
      genieId: genie.id,
      turn: 1,
      toolUseId: approval.tool_use_id,
    });
    expect(summary).toMatchObject({ isError: true, preview: expect.stringContaining('approval') });
    expect(mailsAbout(subject)).toHaveLength(0);
    expect(await h.db('notifications').where({ run_id: runId, tool_use_id: approval.tool_use_id })).toHaveLength(0);
    await h.temporal.workflow.getHandle(workflowId).terminate('test over');
  }, 90_000);
});

describe('a workflow started straight through Temporal with plain input', () => {
  it('is refused by the worker: no run, no model call', async () => {
    const { genie, marker } = await createScriptedGenie(h, owner);
    fake.script(marker, [text('should never be said')]);
    const workflowId = `genie-run-cli-${Date.now()}`;
    const started = await temporalCli(
      'workflow',
      'start',
      '--type',
      'genieRun',
      '--task-queue',
      taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify({ genieId: genie.id, ownerId: owner.id, trigger: { type: 'manual', input: 'from the CLI' } })
    );
    expect(started.code).toBe(0);
    const failures = await until(
      () => workflowTaskFailures(workflowId),
      (f) => f.length > 0
    );
    expect(failures.join('\n')).toMatch(/not encrypted/);
    expect(fake.requestsFor(marker)).toHaveLength(0);
    expect(await h.db('runs').where({ genie_id: genie.id })).toHaveLength(0);
    await h.temporal.workflow.getHandle(workflowId).terminate('test over');
  }, 60_000);
});
