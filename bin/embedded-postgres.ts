// Child process of `npm start`: runs the embedded Postgres until told to stop (SIGTERM, or the
// supervisor's IPC channel closing). Reports `{ready, url}` over IPC.
import { getConfig } from '../platform/config';
import { startEmbeddedPostgres } from '../dev/postgres';
import { onShutdown, runMain } from '../platform/process';

runMain('postgres', async () => {
  const config = getConfig();
  const pg = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.GENIE_PG_PORT,
    onLog: (line) => console.log(line),
  }).catch((err: unknown) => {
    process.send?.({ error: err instanceof Error ? err.message : String(err) });
    throw err;
  });
  process.send?.({ ready: true, url: pg.url });
  await onShutdown();
  await pg.stop();
});
