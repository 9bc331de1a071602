// Operator commands: they reach the database directly (DATABASE_URL, or the embedded Postgres of
// GENIE_DATA_DIR: the running `npm start`'s, whatever its port, or one started for the command),
// except `temporal check`, which reaches Temporal alone.
import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, revokeApiKeyAsOperator, TooManyApiKeysError } from '../db/repositories/api-keys';
import { insertRows } from '../db/repositories/business-data';
import { findOrCreateUserByEmail, findUserByEmail } from '../db/repositories/users';
import { createDb, migrateLatest, type Db } from '../db';
import { isUuid } from '../domain/ids';
import type { Config } from '../platform/config';
import { StartupError } from '../platform/errors';
import { resolveEncryptionKeys } from '../security/encryption-keys';
import { checkTemporal } from '../temporal/connection';
import { Vault } from '../security/vault';
import { openDatabase } from './database';
import { demoData, DEMO_TABLE_ORDER } from './demo-data';
import { rotateCredentialKeys } from './rotate-keys';

export const OPERATOR_USAGE = `Operator commands (they use the database directly; temporal check uses Temporal only):
  api-key create --email EMAIL [--name NAME]   create the user if needed and a new API key (last line)
  api-key list --email EMAIL                   the user's keys (prefix, name, created, last used, revoked)
  api-key revoke --id KEY_ID                   revoke a key: running APIs answer it 401 within 5 s
  seed-demo --email EMAIL                      load a demo business (leads, calls, …) for the user
  keys rotate                                  re-encrypt every credential under the first key of
                                               GENIE_ENCRYPTION_KEYS (the others keep decrypting)
  temporal check                               connect to Temporal as the API and worker do (TEMPORAL_TLS_*,
                                               TEMPORAL_API_KEY): server version, namespace, search attributes`;

type Command = (db: Db, args: string[], config: Config) => Promise<void>;

const EMAIL = /^[^\s@]+@[^\s@]+$/;

const COMMANDS: Record<string, Command> = {
  'api-key create': async (db, args) => {
    const { values } = parseArgs({ args, options: { email: { type: 'string' }, name: { type: 'string' } } });
    if (!values.email || !EMAIL.test(values.email)) throw new StartupError('api-key create needs --email EMAIL');
    const user = await findOrCreateUserByEmail(db, values.email);
    const key = await createApiKey(db, user.id, values.name).catch((err: unknown) => {
      if (err instanceof TooManyApiKeysError) {
        throw new StartupError(
          `${user.email} already has ${err.limit} active API keys; revoke one first (api-key revoke --id KEY_ID).`
        );
      }
      throw err;
    });
    console.log(
      `Created API key ${key.prefix}… for ${user.email} (user ${user.id}). Keep it secret; it is shown once:`
    );
    console.log(key.key);
  },
  'api-key list': async (db, args) => {
    const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
    if (!values.email || !EMAIL.test(values.email)) throw new StartupError('api-key list needs --email EMAIL');
    const user = await findUserByEmail(db, values.email);
    if (!user) throw new StartupError(`No user ${values.email}.`);
    const keys = await listApiKeys(db, user.id);
    if (keys.length === 0) console.log(`${user.email} has no API keys.`);
    for (const key of keys) {
      console.log(
        [
          key.id,
          `hg_live_${key.prefix}…`,
          key.name ?? '-',
          `created ${key.created_at.toISOString()}`,
          `last used ${key.last_used_at?.toISOString() ?? 'never'}`,
          key.revoked_at ? `REVOKED ${key.revoked_at.toISOString()}` : 'active',
        ].join('  ')
      );
    }
  },
  'api-key revoke': async (db, args) => {
    const { values } = parseArgs({ args, options: { id: { type: 'string' } } });
    if (!values.id || !isUuid(values.id)) throw new StartupError('api-key revoke needs --id KEY_ID (see api-key list)');
    const userId = await revokeApiKeyAsOperator(db, values.id);
    if (!userId) throw new StartupError(`No active API key ${values.id}.`);
    console.log(`Revoked API key ${values.id}; running APIs answer it 401 within 5 s.`);
  },
  'seed-demo': async (db, args) => {
    const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
    if (!values.email || !EMAIL.test(values.email)) throw new StartupError('seed-demo needs --email EMAIL');
    const user = await findOrCreateUserByEmail(db, values.email);
    if (await db('agents').where({ owner_id: user.id }).whereRaw(`metadata @> '{"demo": true}'`).first()) {
      console.log(`${user.email} already has the demo data; nothing added.`);
      return;
    }
    const rows = demoData();
    await db.transaction(async (trx) => {
      for (const table of DEMO_TABLE_ORDER) await insertRows(trx, user.id, table, rows[table]);
    });
    console.log(
      `Loaded demo data for ${user.email}: ` +
        DEMO_TABLE_ORDER.map((table) => `${rows[table].length} ${table}`).join(', ')
    );
  },
  'keys rotate': async (db, _args, config) => {
    const vault = new Vault(resolveEncryptionKeys(config));
    const report = await rotateCredentialKeys(db, vault);
    for (const failure of report.failed)
      console.error(`cannot re-encrypt credential ${failure.name} (${failure.id}): ${failure.reason}`);
    console.log(
      `Credentials: ${report.total}; re-encrypted under key "${vault.primaryKeyId}": ${report.reencrypted}; ` +
        `already under it: ${report.alreadyCurrent}; failed: ${report.failed.length}`
    );
    if (report.failed.length > 0)
      throw new StartupError(`${report.failed.length} credential(s) could not be re-encrypted`);
  },
};

/** Operator commands that need no database. */
const COMMANDS_WITHOUT_DB: Record<string, (args: string[], config: Config) => Promise<void>> = {
  'temporal check': async (args, config) => {
    parseArgs({ args, options: {} });
    const check = await checkTemporal(config);
    console.log(`Temporal at ${check.address}: server ${check.serverVersion}, ${check.security}`);
    console.log(`Namespace: ${check.namespace}`);
    const registered = check.searchAttributes.filter((a) => a.registered).map((a) => a.name);
    const missing = check.searchAttributes.filter((a) => !a.registered).map((a) => a.name);
    console.log(
      `Search attributes: ${registered.length > 0 ? `${registered.join(', ')} registered` : 'none registered'}` +
        (missing.length > 0
          ? `; ${missing.join(', ')} missing (the worker registers them when it starts, where the server lets it;` +
            ' otherwise add them to the namespace as Keyword attributes)'
          : '')
    );
  },
};

/** The operator command `argv` starts with, if any. */
export function operatorCommandOf(argv: string[]): string | undefined {
  return [...Object.keys(COMMANDS), ...Object.keys(COMMANDS_WITHOUT_DB)].find((name) =>
    argv.join(' ').startsWith(name)
  );
}

/** Runs an operator command: against the database (migrated first), unless it needs none. */
export async function runOperatorCommand(name: string, argv: string[], config: Config): Promise<void> {
  const args = argv.slice(name.split(' ').length);
  const withoutDb = COMMANDS_WITHOUT_DB[name];
  if (withoutDb) return withoutDb(args, config);
  const database = await openDatabase(config, (line) => console.error(line));
  const db = createDb(database.url);
  try {
    await migrateLatest(db);
    await COMMANDS[name]!(db, args, config);
  } finally {
    await db.destroy();
    await database.release();
  }
}
