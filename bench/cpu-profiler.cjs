// Preloaded into each Node process of the stack by `BENCH_PROFILE_DIR=… npm run bench`
// (NODE_OPTIONS=--require; Node refuses --cpu-prof there): profiles the process from start to exit
// and writes <dir>/<script>-<pid>[-thread<n>].cpuprofile (worker threads too, such as the
// Temporal worker's workflow thread), to open in Chrome DevTools or summarise.
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');
const { threadId } = require('node:worker_threads');

const dir = process.env.BENCH_PROFILE_DIR;
const script = path.basename(process.argv[1] || 'node').replace(/\.[cm]?[jt]s$/, '');
if (dir && script !== 'npm-cli') {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    // A same-thread session answers synchronously, so this runs to the end before the process does.
    session.post('Profiler.stop', (err, result) => {
      if (!err)
        fs.writeFileSync(
          path.join(dir, `${script}-${process.pid}${threadId ? `-thread${threadId}` : ''}.cpuprofile`),
          JSON.stringify(result.profile)
        );
    });
  });
}
