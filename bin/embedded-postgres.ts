// Child process of `npm start`: runs the embedded Postgres until told to stop (SIGTERM, or the
// supervisor's IPC channel closing), and exits non-zero when the server dies under it so the
// supervisor restarts it. Reports `{ready, url}` over IPC.
import { startEmbeddedPostgres } from '../dev/postgres';
import { getConfig } from '../platform/config';
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
  const ended = await Promise.race([onShutdown().then(() => undefined), pg.exited]);
  if (ended !== undefined) {
    console.log(`the Postgres server ended (${ended})`);
    process.exit(1);
  }
  await pg.stop();
});
