// A worker entry point for crash tests: the real worker, killed outright (SIGKILL) just after the
// first model response it billed is committed (10 ms after the COMMIT is sent: Postgres has the
// turn and its cost; the activity has most likely not reported back to Temporal yet). The product has no switch for this; the test runs this file
// instead of bin/worker.ts (see spawnWorkerDyingAfterBilling in ./index.ts).
import { runMain } from '../../../platform/process';
import { runWorker } from '../../../worker/main';

const BILLS = /INSERT INTO model_calls/i;
const COMMITS = /^\s*COMMIT\b/i;

runMain('worker', () =>
  runWorker({
    prepare({ db }) {
      let billed = false;
      db.on('query', (query: { sql?: string }) => {
        const sql = query.sql ?? '';
        if (BILLS.test(sql)) billed = true;
        else if (billed && COMMITS.test(sql)) setTimeout(() => process.kill(process.pid, 'SIGKILL'), 10);
      });
    },
  })
);
