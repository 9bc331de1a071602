// The bare comparator's worker, a process of its own so its CPU and memory are read like the genie
// worker's: `node --import tsx bench/bare-worker.ts` with TEMPORAL_ADDRESS and BENCH_TASK_QUEUE.
import { NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createBareActivities } from './bare-activities';

async function main(): Promise<void> {
  Runtime.install({
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.BENCH_TASK_QUEUE ?? 'bench-bare',
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('./bare-workflows'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
    }),
    activities: createBareActivities(),
  });
  process.on('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  process.send?.({ ready: true });
  await running;
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  }
);
