import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { StartupError } from '../platform/errors';
import { assertPortFree } from '../platform/ports';
import { SEARCH_ATTRIBUTE_KEYS } from '../temporal/contract';
import { requireTemporalCli } from './temporal-cli';
import { spawnChild, stopLeftover, type ChildHandle } from './processes';

export interface TemporalDevServerOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  cliPath?: string;
  /** Where the server's own log goes (it is chatty). */
  logFile: string;
  /** Persist state in `<dataDir>/temporal.db`; tests may run in memory. */
  persistent?: boolean;
  /** Without the UI (tests). */
  headless?: boolean;
  /** The codec server the UI decodes payloads with (the API's `/codec`). */
  uiCodecEndpoint?: string;
}

/**
 * Starts `temporal server start-dev` with our search attributes registered and its state in the
 * data dir, and resolves once its frontend answers. It runs under dev/guard.js, which stops it when
 * the stack goes away by any means and clears a server an earlier, killed stack left behind.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<ChildHandle> {
  const binary = requireTemporalCli(options.cliPath);
  const pidFile = path.join(options.dataDir, 'temporal.pid');
  await stopLeftover(pidFile, binary, (line) => fs.appendFileSync(options.logFile, `${line}\n`));
  await assertPortFree(options.port, 'Temporal dev server', 'TEMPORAL_DEV_PORT');
  if (!options.headless) await assertPortFree(options.uiPort, 'Temporal UI', 'TEMPORAL_UI_PORT');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--log-level',
    'warn',
    '--ui-disable-news-fetch',
    ...(options.headless ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    ...(options.uiCodecEndpoint && !options.headless ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...(options.persistent === false ? [] : ['--db-filename', path.join(options.dataDir, 'temporal.db')]),
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
  ];
  // Through the guard: the server stops with the stack even if the supervisor is killed outright.
  const guard = path.join(__dirname, 'guard.js');
  const handle = spawnChild('temporal', process.execPath, [guard, pidFile, '--', binary, ...args], {
    logFile: options.logFile,
    ipc: true,
  });
  try {
    await waitForFrontend(`127.0.0.1:${options.port}`, handle, 60_000);
  } catch (err) {
    await handle.stop(2000);
    throw err;
  }
  return handle;
}

async function waitForFrontend(address: string, handle: ChildHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void handle.exited.then((code) => (exitedWith = code));
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new StartupError(`The Temporal dev server exited (${exitedWith}) while starting; see its log.`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new StartupError(`The Temporal dev server did not answer on ${address} within ${timeoutMs / 1000}s.`);
}
