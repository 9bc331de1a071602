// The whole `npm start` stack as a user runs it, in a data dir and on ports of its own, for the
// benchmarks (and the chaos run) to measure from outside.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embeddedDatabaseUrl } from '../platform/data-dir';
import { freePort } from '../platform/ports';

const ROOT = path.resolve(__dirname, '..');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Stack {
  /** `npm start`'s process: the root of the stack's process tree. */
  pid: number;
  api: string;
  key: string;
  temporalAddress: string;
  /** The stack's embedded Postgres. */
  databaseUrl: string;
  dataDir: string;
  /** Seconds from `npm start` to its banner. */
  startSeconds: number;
  /** Everything it printed so far. */
  output: () => string;
  /** An API call with the dev key; throws on an error answer. */
  call: <T = any>(method: string, url: string, body?: unknown) => Promise<T>;
  stop: () => Promise<void>;
}

export async function startStack(extraEnv: NodeJS.ProcessEnv): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genie-stack-'));
  fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GENIE_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    GENIE_PG_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    GENIE_WORKER_METRICS_PORT: String(await freePort()),
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    ...extraEnv,
  };
  // Logging as a user gets it by default (info, JSON lines: the output is a pipe) unless asked for.
  for (const name of ['LOG_LEVEL', 'LOG_FORMAT']) if (!(name in extraEnv)) delete env[name];
  const started = Date.now();
  const child: ChildProcess = spawn('npm', ['start'], { cwd: ROOT, env, detached: true });
  // The banner is kept whole; after it, only the last 64 KiB (the stack logs every request and run).
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 128 * 1024 && /Press Ctrl-C to stop/.test(output)) output = output.slice(-64 * 1024);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  };
  try {
    while (!/Press Ctrl-C to stop/.test(output)) {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const startSeconds = (Date.now() - started) / 1000;
  const key = /^(hg_live_\S+)$/m.exec(output)![1]!;
  const api = `http://127.0.0.1:${env.PORT}`;
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${api}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await res.json()) as { success: boolean; data?: unknown; error?: unknown };
    if (!payload.success) {
      throw Object.assign(new Error(`${method} ${url}: ${res.status} ${JSON.stringify(payload.error)}`), {
        status: res.status,
      });
    }
    return payload.data as any;
  };
  return {
    pid: child.pid!,
    api,
    key,
    temporalAddress: `127.0.0.1:${env.TEMPORAL_DEV_PORT}`,
    databaseUrl: embeddedDatabaseUrl(dataDir, Number(env.GENIE_PG_PORT))!,
    dataDir,
    startSeconds,
    output: () => output,
    call,
    stop,
  };
}
