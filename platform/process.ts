import fs from 'node:fs';
import { ConfigError, StartupError } from './errors';

/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP, when the parent's IPC channel closes, when the
 * process is re-parented, or when its output pipe breaks (whoever read it is gone). The listeners
 * stay, so a second signal (a relayed copy, an impatient Ctrl-C) cannot kill an orderly shutdown.
 *
 * A broken output shows on the next line written (EPIPE). With `watchOutput`, a process that may
 * have nothing to write for hours (the `npm start` supervisor) learns it without writing, where its
 * stdout is a Unix stream socket (a Node parent's `stdio: 'pipe'`: an IDE's task, a test, a script;
 * the systemd journal): every half second it writes zero bytes, which sends nothing, yet fails with
 * EPIPE once the peer can no longer read (Linux checks that before it sends anything). That is not
 * so everywhere, hence only there: a pipe's empty write succeeds whatever its reader did (Linux
 * returns before looking), and a datagram socket's would send an empty datagram. Nor would reading
 * the socket for its end tell: end-of-file says the peer stopped writing, which journald does at
 * once, not that it stopped reading. Where stdout is a pipe (`npm start | tee log`), only poll()
 * could tell, which Node does not offer for an fd: there the next line written, the re-parenting
 * (npm's script execs the supervisor, so npm is its parent) and SIGHUP from a closed terminal do.
 */
export function onShutdown(
  options: { watchOutput?: boolean } = {}
): Promise<NodeJS.Signals | 'disconnect' | 'orphaned'> {
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
    // `kill -9 <npm pid>` ends npm without passing anything on (and a plain kill, npm and any shell
    // between): being re-parented is the sign of it, and staying up would leave a stack no one owns.
    const parent = process.ppid;
    const probeOutput = options.watchOutput === true && isUnixStreamSocket(1);
    const watch = setInterval(() => {
      if (process.ppid !== parent || (probeOutput && readerGone(1))) {
        clearInterval(watch);
        resolve('orphaned');
      }
    }, 500);
    watch.unref();
  });
}

/** Whether `fd` is a Unix stream socket (Linux: its inode in /proc/net/unix, Type 0001); false if unsure. */
function isUnixStreamSocket(fd: number): boolean {
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isSocket()) return false;
    // Num RefCount Protocol Flags Type St Inode [Path]
    return fs
      .readFileSync('/proc/net/unix', 'utf8')
      .split('\n')
      .some((line) => {
        const fields = line.trim().split(/\s+/);
        return fields[4] === '0001' && fields[6] === String(stat.ino);
      });
  } catch {
    return false;
  }
}

/** Whether nobody reads the stream socket `fd` any more: an empty write, which sends nothing, fails. */
function readerGone(fd: number): boolean {
  try {
    fs.writeSync(fd, '');
    return false;
  } catch (err) {
    return ['EPIPE', 'ECONNRESET', 'ENOTCONN'].includes((err as NodeJS.ErrnoException).code ?? '');
  }
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
