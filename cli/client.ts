import fs from 'node:fs';
import type { Config } from '../platform/config';
import { devApiKeyFile, runningStack } from '../platform/data-dir';
import { StartupError } from '../platform/errors';
import { GenieApiError, GenieClient } from '../client';

/** Where the REST commands go and as whom. */
export interface ApiTarget {
  url: string;
  key: string;
}

/**
 * `GENIE_API_URL` (else the running `npm start`'s API, else localhost:$PORT) and `GENIE_API_KEY`
 * (else the dev key `npm start` made in GENIE_DATA_DIR): right after `npm start` nothing needs setting.
 */
export function apiTarget(config: Config, env: NodeJS.ProcessEnv): ApiTarget {
  const url = (
    env.GENIE_API_URL?.trim() ||
    runningStack(config.dataDir)?.apiUrl ||
    `http://localhost:${config.PORT}`
  ).replace(/\/+$/, '');
  let key = env.GENIE_API_KEY?.trim();
  if (!key) {
    try {
      key = fs.readFileSync(devApiKeyFile(config.dataDir), 'utf8').trim();
    } catch {
      throw new StartupError(
        `No API key: set GENIE_API_KEY (make one with \`npm run cli -- api-key create --email EMAIL\`), or run \`npm start\` first for a dev key.`
      );
    }
  }
  return { url, key };
}

/** The REST commands' client (client/: typed, one method per operation of the API). */
export function apiClient(target: ApiTarget): GenieClient {
  return new GenieClient({ baseUrl: target.url, apiKey: target.key });
}

/**
 * A failed call as the one line the CLI prints: the API's message, the fields a 400 names, a hint
 * when the key was refused, or where the API was looked for when it did not answer.
 */
export function cliError(err: unknown, baseUrl: string): unknown {
  if (!(err instanceof GenieApiError)) return err;
  if (err.code === 'network_error') {
    return new StartupError(
      `Cannot reach the API at ${baseUrl}: is \`npm start\` running? (GENIE_API_URL sets another)`
    );
  }
  // The field details, unless the message already says them (a 400's message lists its fields).
  const details = Array.isArray(err.details) ? (err.details as Array<{ field: string; message: string }>) : [];
  const unsaid = details.filter((d) => !err.message.includes(`${d.field}: ${d.message}`));
  const fields = unsaid.length ? ` (${unsaid.map((d) => `${d.field}: ${d.message}`).join('; ')})` : '';
  const hint = err.status === 401 ? ' Check GENIE_API_KEY.' : '';
  return new StartupError(`${err.message}${fields}${hint}`);
}
