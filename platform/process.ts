import { ConfigError, StartupError } from './errors';

/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP, when the parent's IPC channel closes, when the
 * process is re-parented, or when its output pipe breaks (whoever read it is gone). The listeners
 * stay, so a second signal (a relayed copy, an impatient Ctrl-C) cannot kill an orderly shutdown.
 */
export function onShutdown(): Promise<NodeJS.Signals | 'disconnect' | 'orphaned'> {
  return new Promise((resolve) => {
    process.on('SIGINT', () => resolve('SIGINT'));
    process.on('SIGTERM', () => resolve('SIGTERM'));
    process.on('SIGHUP', () => resolve('SIGHUP'));
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') resolve('orphaned');
      });
    }
    // Started by `npm start` with an IPC channel: stop when the supervisor goes away.
    if (process.send) process.once('disconnect', () => resolve('disconnect'));
    // `kill <npm pid>` ends npm and its shell without passing the signal on; being re-parented is
    // the only sign of it, and staying up then would leave the stack running with no owner.
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) {
        clearInterval(watch);
        resolve('orphaned');
      }
    }, 500);
    watch.unref();
  });
}

/**
 * Runs an entry point. Known start-up problems print one line; anything else prints the error.
 * Either way the process exits 1.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
    (err: unknown) => {
      if (err instanceof StartupError || err instanceof ConfigError) {
        process.stderr.write(`${name}: ${err.message}\n`);
      } else {
        process.stderr.write(`${name}: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      }
      process.exit(1);
    }
  );
}
