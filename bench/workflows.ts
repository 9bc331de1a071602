// The bench's workflow bundle: the real genieRun plus a bare floor workflow.
import { proxyActivities } from '@temporalio/workflow';
import type { BenchActivities } from './activities';

export { genieRun } from '../workflows';

const { noop } = proxyActivities<BenchActivities>({ startToCloseTimeout: '30 seconds' });

/** `count` no-op activities one after another: what Temporal alone costs per activity. */
export async function noopActivities(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await noop(i);
}
