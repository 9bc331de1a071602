// Runs one program for the dev stack and never lets it outlive the stack: started with an IPC
// channel by `npm start`, it stops the program when that channel closes (the supervisor died, even
// by SIGKILL) or when it is re-parented, forwards SIGTERM/SIGINT, and exits as the program exits.
// It records the program's pid in <pidfile>, so the next start can stop one a killed guard left
// behind (dev/processes.ts stopLeftover). Plain JavaScript: it starts in milliseconds, no compiler.
//   node dev/guard.js <pidfile> -- <command> [args...]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');

const [pidFile, separator, command, ...args] = process.argv.slice(2);
if (!pidFile || separator !== '--' || !command) {
  process.stderr.write('usage: node dev/guard.js <pidfile> -- <command> [args...]\n');
  process.exit(2);
}

const child = spawn(command, args, { stdio: 'inherit' });
fs.writeFileSync(pidFile, `${child.pid}\n`);

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  child.kill(signal);
  setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGHUP', () => stop('SIGTERM'));
process.on('disconnect', () => stop('SIGTERM'));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop('SIGTERM');
}, 500).unref();

child.on('exit', (code, signal) => {
  try {
    fs.unlinkSync(pidFile);
  } catch {
    // already gone
  }
  process.exit(code ?? (signal ? 128 + (require('node:os').constants.signals[signal] ?? 1) : 1));
});
