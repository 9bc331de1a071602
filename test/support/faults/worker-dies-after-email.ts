// A worker entry point for crash tests: the real worker, killed outright (SIGKILL) the moment
// Postgres has recorded an email as sent — after the mail server took it, before the tool call's
// step is saved. The product has no switch for this; the test runs this file instead of
// bin/worker.ts (see spawnFaultyWorker in ./index.ts).
import { runMain } from '../../../platform/process';
import { runWorker } from '../../../worker/main';

const RECORDS_SENT = /^update "notifications" set "email_status" = (\?|\$1)/i;

runMain('worker', () =>
  runWorker({
    prepare({ db }) {
      db.on('query-response', (_response: unknown, query: { sql?: string; bindings?: unknown[] }) => {
        if (RECORDS_SENT.test(query.sql ?? '') && query.bindings?.[0] === 'sent') process.kill(process.pid, 'SIGKILL');
      });
    },
  })
);
