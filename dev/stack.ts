import path from 'node:path';
import { StartupError } from '../platform/errors';
import { PROJECT_ROOT, RUNS_COMPILED } from '../platform/project';
import { spawnChild, tsxArgs, type ChildHandle } from './processes';
import type { ChildSpec } from './supervisor';
import { startTemporalDevServer, type TemporalDevServerOptions } from './temporal-server';

/**
 * An entry point of `bin/` in the form this process runs: dist/bin/<name>.js when compiled (`npm
 * start` builds first), else bin/<name>.ts through tsx (the tests: never a stale dist/).
 */
const binPath = (name: string): string =>
  RUNS_COMPILED ? path.join(PROJECT_ROOT, 'dist', 'bin', `${name}.js`) : path.join(PROJECT_ROOT, 'bin', `${name}.ts`);

/** Starts a Node entry point of `bin/` as a child with an IPC channel. */
export function spawnNodeChild(name: string, env: NodeJS.ProcessEnv, logFile?: string): ChildHandle {
  const entry = binPath(name);
  return spawnChild(name, process.execPath, RUNS_COMPILED ? [entry] : tsxArgs(entry), { env, ipc: true, logFile });
}

/** Runs a Node entry point of `bin/` to its end (its output on the console); rejects unless it exits 0. */
export async function runNodeChild(name: string, env: NodeJS.ProcessEnv, what: string): Promise<void> {
  const code = await spawnNodeChild(name, env).exited;
  if (code !== 0) throw new StartupError(`${what} failed (${name} exited ${code}).`);
}

/**
 * Runs the embedded Postgres of `dataDir` in a child process (bin/embedded-postgres.ts) and resolves
 * with its URL once it accepts connections.
 */
export async function startPostgresProcess(options: {
  dataDir: string;
  port: number;
  logFile: string;
  env?: NodeJS.ProcessEnv;
}): Promise<{ handle: ChildHandle; url: string }> {
  const env = {
    ...(options.env ?? process.env),
    GENIE_DATA_DIR: options.dataDir,
    GENIE_PG_PORT: String(options.port),
  };
  const handle = spawnNodeChild('embedded-postgres', env, options.logFile);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StartupError(`The embedded Postgres did not start within 60s; see ${options.logFile}.`)),
        60_000
      );
      handle.child.on('message', (message: { ready?: boolean; url?: string; error?: string }) => {
        clearTimeout(timer);
        if (message.url) resolve(message.url);
        if (message.error) reject(new StartupError(message.error));
      });
      void handle.exited.then((code) => {
        clearTimeout(timer);
        reject(new StartupError(`The embedded Postgres exited (${code}) while starting; see ${options.logFile}.`));
      });
    });
    return { handle, url };
  } catch (err) {
    await handle.stop(2000);
    throw err;
  }
}

/** Polls `url` until it answers 200, the child exits, or `timeoutMs` passes. */
export async function waitForHealthy(url: string, handle: ChildHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void handle.exited.then((code) => (exitedWith = code));
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) throw new StartupError(`The ${handle.name} exited (${exitedWith}) while starting.`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new StartupError(`${url} did not become healthy within ${timeoutMs / 1000}s.`);
}

/** Resolves when a child started with IPC sends `{ready: true}`; rejects if it exits first. */
export function waitForReady(handle: ChildHandle, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StartupError(`The ${handle.name} did not get ready within ${timeoutMs / 1000}s.`)),
      timeoutMs
    );
    handle.child.on('message', (message: { ready?: boolean }) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve();
      }
    });
    void handle.exited.then((code) => {
      clearTimeout(timer);
      reject(new StartupError(`The ${handle.name} exited (${code}) while starting.`));
    });
  });
}

export type PostgresProcessOptions = Parameters<typeof startPostgresProcess>[0];

/** The embedded Postgres as a supervised child; `url` is known once it first started. */
export function postgresChild(options: PostgresProcessOptions): ChildSpec & { url?: string } {
  const spec: ChildSpec & { url?: string } = {
    name: 'postgres',
    async start() {
      const { handle, url } = await startPostgresProcess(options);
      spec.url = url;
      return handle;
    },
  };
  return spec;
}

/** The Temporal dev server (and its UI) as a supervised child. */
export function temporalChild(options: TemporalDevServerOptions): ChildSpec {
  return { name: 'temporal', start: () => startTemporalDevServer(options) };
}

/** A Node entry point of `bin/` (the API or the worker) as a supervised child, ready when it says so. */
export function nodeChild(name: 'api' | 'worker', env: NodeJS.ProcessEnv, readyWithinMs: number): ChildSpec {
  return {
    name,
    async start() {
      const handle = spawnNodeChild(name, env);
      try {
        await waitForReady(handle, readyWithinMs);
        return handle;
      } catch (err) {
        await handle.stop(2000);
        throw err;
      }
    },
  };
}

/**
 * Starts the embedded Postgres and the Temporal dev server side by side (either may be skipped).
 * If one fails, the other is stopped before the error is thrown: nothing is left running.
 */
export async function startServices(options: {
  postgres?: PostgresProcessOptions;
  temporal?: TemporalDevServerOptions;
}): Promise<{ postgres?: { handle: ChildHandle; url: string }; temporal?: ChildHandle }> {
  const [postgres, temporal] = await Promise.allSettled([
    options.postgres ? startPostgresProcess(options.postgres) : Promise.resolve(undefined),
    options.temporal ? startTemporalDevServer(options.temporal) : Promise.resolve(undefined),
  ]);
  if (postgres.status === 'rejected' || temporal.status === 'rejected') {
    if (postgres.status === 'fulfilled') await postgres.value?.handle.stop();
    if (temporal.status === 'fulfilled') await temporal.value?.stop();
    throw postgres.status === 'rejected' ? postgres.reason : (temporal as PromiseRejectedResult).reason;
  }
  return { postgres: postgres.value, temporal: temporal.value };
}
