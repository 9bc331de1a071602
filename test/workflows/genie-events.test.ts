import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Activities } from '../../activities';
import { eventSignal, inboxStatusQuery, stopSignal, type InboxEvent } from '../../temporal/contract';
import { genieEvents } from '../../workflows/genie-events';
import { startWorkflowWorker, type WorkflowWorker } from '../support/workflow-worker';

/**
 * The inbox on a real dev server with stubbed activities: it must neither lose nor repeat an event
 * across continue-as-new, and must honour idempotency keys from before it.
 */

const started: string[] = [];
const runOfEvent = new Map<string, string>();
let release: () => void = () => undefined;
let gate = Promise.resolve();

const stubs: Partial<Activities> = {
  prepareEventRun: async ({ eventId }) => {
    const runId = runOfEvent.get(eventId) ?? crypto.randomUUID();
    runOfEvent.set(eventId, runId);
    return { start: true, runId, maxConcurrent: 1 };
  },
  dropEvents: async () => undefined,
  startRun: async ({ runId, trigger }) => {
    started.push(trigger.eventId!);
    await gate;
    return { runId: runId!, genieName: 'stub', maxTurns: 1, maxTokensPerRun: null };
  },
  callModel: async () => ({
    stopReason: 'end_turn',
    toolCalls: [],
    usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  }),
  finishRun: async () => ({}),
};

let env: WorkflowWorker;
let client: Client;
const taskQueue = `inbox-wf-${Date.now()}`;

beforeAll(async () => {
  env = await startWorkflowWorker(taskQueue, stubs);
  client = env.client;
}, 120_000);
afterAll(() => env.stop());

const event = (n: number, key?: string): InboxEvent => ({
  eventId: `event-${n}`,
  eventType: 'tick',
  idempotencyKey: key,
});

it('survives continue-as-new without losing or repeating events', async () => {
  gate = new Promise<void>((resolve) => (release = resolve)); // runs wait, so events pile up in the inbox
  const genieId = crypto.randomUUID();
  const workflowId = `genie-events-${genieId}`;
  const deliver = (e: InboxEvent) =>
    client.workflow.signalWithStart(genieEvents, {
      workflowId,
      taskQueue,
      args: [{ genieId, ownerId: crypto.randomUUID(), testing: { continueAsNewAfter: 3 } }],
      signal: eventSignal,
      signalArgs: [e],
    });
  for (let n = 0; n < 10; n++) await deliver(event(n, `key-${n}`));
  await deliver(event(100, 'key-2')); // a repeated key before the continue-as-new
  release();

  const deadline = Date.now() + 60_000;
  while (started.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await deliver(event(101, 'key-7')); // a repeated key after it: remembered across the boundary
  await deliver(event(10, 'key-10'));
  while (started.length < 11 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));

  expect(started).toEqual([...Array(11).keys()].map((n) => `event-${n}`));
  const handle = client.workflow.getHandle(workflowId);
  // It continued as new at least three times (after 3, 6, 9 events).
  let chain = 0;
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    if (execution.status.name === 'CONTINUED_AS_NEW') chain++;
  }
  expect(chain).toBeGreaterThanOrEqual(3);
  expect((await handle.query(inboxStatusQuery)).pending).toBe(0);
  await handle.signal(stopSignal);
  expect(await handle.result()).toEqual({ dropped: 0 });
}, 90_000);
