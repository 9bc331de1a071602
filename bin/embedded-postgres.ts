// Child process of `npm start`: runs the embedded Postgres until told to stop (SIGTERM, or the
// supervisor's IPC channel closing), and exits non-zero when the server dies under it so the
// supervisor restarts it. Reports `{ready, url}` over IPC.
// Its settings are GENIE_DATA_DIR and GENIE_PG_PORT as dev/stack.ts sets them (always, already
// checked): it reads no config module, so the process stays small while it runs.
import path from 'node:path';
import { startEmbeddedPostgres } from '../dev/postgres';
import { StartupError } from '../platform/errors';
import { onShutdown, runMain } from '../platform/process';

runMain('postgres', async () => {
  const { GENIE_DATA_DIR: dataDir, GENIE_PG_PORT: port } = process.env;
  if (!dataDir || !Number.isInteger(Number(port))) {
    throw new StartupError('GENIE_DATA_DIR and GENIE_PG_PORT must be set (this runs under `npm start`).');
  }
  const pg = await startEmbeddedPostgres({
    dataDir: path.resolve(dataDir),
    port: Number(port),
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
