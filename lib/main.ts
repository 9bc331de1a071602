import { ConfigError } from './config';
import { StartupError } from './errors';

/** Resolves on the first SIGINT or SIGTERM (or when the parent's IPC channel closes). */
export function onShutdown(): Promise<NodeJS.Signals | 'disconnect'> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    // Started by `npm start` with an IPC channel: stop when the supervisor goes away.
    if (process.send) process.once('disconnect', () => resolve('disconnect'));
  });
}

/**
 * Runs an entry point. Known start-up problems print one line; anything else prints the error.
 * Either way the process exits 1.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
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
