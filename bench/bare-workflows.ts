// The comparators' workflows: Temporal with nothing of ours in it (no codec, no database, no model).
import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities } from './bare-activities';

const { noop, start, model, tool, finish } = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });

/** `count` no-op activities one after another; answers when each ran (ms, the worker's clock). */
export async function noopActivities(count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await noop(i));
  return times;
}

/**
 * A 3-turn agent run's shape with nothing in it: start, then model (sleeping like the fake model)
 * and tool in turn, three model calls and two tool calls, then finish — the 7 activities of a genie
 * run that calls one tool per turn.
 */
export async function bareRun(turns: number, modelLatencyMs: number): Promise<void> {
  await start();
  for (let turn = 1; turn <= turns; turn++) {
    await model(modelLatencyMs);
    if (turn < turns) await tool(turn);
  }
  await finish();
}
