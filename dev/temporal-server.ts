import fs from 'node:fs';
import http2 from 'node:http2';
import path from 'node:path';
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
    if (await answersGetSystemInfo(address, 1000)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new StartupError(`The Temporal dev server did not answer on ${address} within ${timeoutMs / 1000}s.`);
}

/**
 * Whether the frontend at `address` answers `WorkflowService/GetSystemInfo` with gRPC status OK: the
 * call a Temporal client makes first, sent over plain HTTP/2 so that the supervisor never loads the
 * Temporal client (its protobufs and gRPC weigh some 30 MB). The request is one empty message.
 */
function answersGetSystemInfo(address: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://${address}`);
    const timer = setTimeout(() => done(false), timeoutMs);
    function done(ok: boolean) {
      clearTimeout(timer);
      session.destroy();
      resolve(ok);
    }
    session.on('error', () => done(false));
    const call = session.request({
      ':method': 'POST',
      ':path': '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    call.on('error', () => done(false));
    // A failed call may answer with headers only; a successful one ends with trailers.
    call.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) done(headers['grpc-status'] === '0');
    });
    call.on('trailers', (trailers: http2.IncomingHttpHeaders) => done(trailers['grpc-status'] === '0'));
    call.on('end', () => done(false));
    call.resume();
    call.end(Buffer.alloc(5)); // not compressed, length 0: GetSystemInfoRequest {}
  });
}
