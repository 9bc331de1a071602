// Preloaded into each Node process of the stack by `BENCH_PROFILE_DIR=… npm run bench`
// (NODE_OPTIONS=--require; Node refuses --cpu-prof there): profiles the process's main thread and
// writes <dir>/<script>-<pid>-<n>.cpuprofile, to open in Chrome DevTools or summarise. SIGWINCH
// (ignored by default, and not one of the Temporal SDK's shutdown signals as SIGUSR2 is)
// closes the current profile and starts the next (the bench sends it around each section), and
// exit closes the last.
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const dir = process.env.BENCH_PROFILE_DIR;
const script = path.basename(process.argv[1] || 'node').replace(/\.[cm]?[jt]s$/, '');
if (dir && script !== 'npm-cli') {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  let part = 0;
  // A same-thread session answers synchronously, so this is done before the process exits.
  const save = () =>
    session.post('Profiler.stop', (err, result) => {
      part += 1;
      if (!err)
        fs.writeFileSync(path.join(dir, `${script}-${process.pid}-${part}.cpuprofile`), JSON.stringify(result.profile));
    });
  process.on('SIGWINCH', () => {
    save();
    session.post('Profiler.start');
  });
  process.on('exit', save);
}
