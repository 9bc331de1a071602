// What lives in GENIE_DATA_DIR, for the processes that read it. The dev stack (`npm start`) creates
// these files; `npm run api|worker` and the CLI only read them, to find what `npm start` runs.
import fs from 'node:fs';
import path from 'node:path';

/** Name of the database the service uses inside the embedded cluster. */
export const EMBEDDED_DATABASE = 'worker_genies';
export const EMBEDDED_USER = 'postgres';

/** The embedded cluster's generated password (mode 0600). */
export const postgresPasswordFile = (dataDir: string): string => path.join(dataDir, 'postgres-password');

/** The dev stack's API key for dev@localhost (mode 0600). */
export const devApiKeyFile = (dataDir: string): string => path.join(dataDir, 'dev-api-key');

/** The URL of the embedded cluster of `dataDir`, or undefined when it was never initialised. */
export function embeddedDatabaseUrl(dataDir: string, port: number): string | undefined {
  const file = postgresPasswordFile(dataDir);
  if (!fs.existsSync(file)) return undefined;
  const password = fs.readFileSync(file, 'utf8').trim();
  return `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
}

/** What a running `npm start` tells other commands about itself (written at start, removed at stop). */
export interface RunningStack {
  pid: number;
  apiUrl: string;
  /** The embedded Postgres's port, when the stack runs one. */
  pgPort?: number;
  temporalAddress: string;
}

const stackFile = (dataDir: string): string => path.join(dataDir, 'stack.json');

export function recordRunningStack(dataDir: string, stack: RunningStack): void {
  fs.writeFileSync(stackFile(dataDir), `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
}

export function forgetRunningStack(dataDir: string): void {
  fs.rmSync(stackFile(dataDir), { force: true });
}

/** The `npm start` running on this data dir, if one is (its process still alive). */
export function runningStack(dataDir: string): RunningStack | undefined {
  try {
    const stack = JSON.parse(fs.readFileSync(stackFile(dataDir), 'utf8')) as RunningStack;
    process.kill(stack.pid, 0);
    return stack;
  } catch {
    return undefined;
  }
}
