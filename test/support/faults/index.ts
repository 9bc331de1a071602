import path from 'node:path';
import { spawnChild, tsxArgs, type ChildHandle } from '../../../dev/processes';

/** Preload for `npm start` (NODE_OPTIONS) that makes its worker crash right after it is ready. */
export const WORKER_CRASHES_AFTER_READY = path.join(__dirname, 'worker-crashes-after-ready.cjs');

/** The real worker, as a process that dies (SIGKILL) the moment an email is recorded as sent. */
export function spawnWorkerDyingAfterEmail(env: NodeJS.ProcessEnv): ChildHandle {
  return spawnChild('worker', process.execPath, tsxArgs(path.join(__dirname, 'worker-dies-after-email.ts')), {
    env,
    ipc: true,
  });
}

/** The real worker, as a process that dies (SIGKILL) once its first billed model response is committed. */
export function spawnWorkerDyingAfterBilling(env: NodeJS.ProcessEnv): ChildHandle {
  return spawnChild('worker', process.execPath, tsxArgs(path.join(__dirname, 'worker-dies-after-billing.ts')), {
    env,
    ipc: true,
  });
}
