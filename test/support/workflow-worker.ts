import path from 'node:path';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { PinoSdkLogger } from '../../worker/sdk-logger';
import { testDataConverter } from './keys';

export interface WorkflowWorker {
  client: Client;
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * The real workflow code on the suite's dev server, with the activities a test stubs (workflow
 * tests are about the loop, not the I/O), and a client to drive it.
 */
export async function startWorkflowWorker(taskQueue: string, activities: Partial<Activities>): Promise<WorkflowWorker> {
  Runtime.install({ logger: new PinoSdkLogger(pino({ level: 'error' })) });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, '../../workflows'),
      logger: new PinoSdkLogger(pino({ level: 'warn' })),
    }),
    activities,
    dataConverter: testDataConverter(),
  });
  const running = worker.run();
  const client = new Client({
    connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! }),
    dataConverter: testDataConverter(),
  });
  return {
    client,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await client.connection.close();
      await connection.close();
    },
  };
}
