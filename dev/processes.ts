import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export interface ChildHandle {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Append output to this file instead of the console. */
  logFile?: string;
  /** Open an IPC channel (Node children): they stop when it closes. */
  ipc?: boolean;
}

/**
 * Starts a child process of the dev stack in its own process group, so a terminal Ctrl-C reaches
 * only the supervisor, which then stops the children in order.
 */
export function spawnChild(name: string, command: string, args: string[], options: SpawnOptions = {}): ChildHandle {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const sink = options.logFile ? fs.createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    if (sink) {
      stream.pipe(sink, { end: false });
    } else {
      readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
    }
  }
  // Its output is drained once its pipes close; a grandchild holding them open (a guard's program)
  // must not hold up noticing the exit, so that wait is short.
  const drained = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      void Promise.race([drained, new Promise((done) => setTimeout(done, 1000))]).then(() => {
        if (sink) sink.end(() => resolve(code ?? signal ?? 'unknown'));
        else resolve(code ?? signal ?? 'unknown');
      });
    });
    child.once('error', (err) => resolve(err.message));
  });
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { name, child, exited, stop };
}

/** Node's own arguments for running a TypeScript entry point through tsx. */
export function tsxArgs(entry: string): string[] {
  return ['--import', 'tsx', entry];
}

/**
 * Stops a program an earlier guard (dev/guard.js) left running when it was killed outright: the
 * pid in `pidFile`, if it is still `command` (a reused pid is left alone). Waits until it is gone.
 */
export async function stopLeftover(pidFile: string, command: string, log: (line: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  const runs = () => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === command;
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 1 || !runs()) return;
  log(`stopping a leftover ${path.basename(command)} (pid ${pid})`);
  process.kill(pid, 'SIGKILL');
  for (let waited = 0; runs() && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
}
