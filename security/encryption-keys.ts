import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../platform/config';
import { StartupError } from '../platform/errors';
import { parseKeySpec, type KeyEntry } from '../platform/key-spec';

export type VaultKey = KeyEntry;

/** Parses `kid:base64key[,kid:base64key...]` (32-byte keys, distinct ids), or throws a StartupError. */
export function parseKeys(spec: string, variable = 'GENIE_ENCRYPTION_KEYS'): VaultKey[] {
  const parsed = parseKeySpec(spec);
  if ('problem' in parsed) throw new StartupError(`${variable} ${parsed.problem}`);
  return parsed.keys;
}

/** A new key spec entry, `kid:base64key`. */
export function generateKeySpec(kid = `k${Date.now().toString(36)}`): string {
  return `${kid}:${crypto.randomBytes(32).toString('base64')}`;
}

/**
 * The encryption keys: `GENIE_ENCRYPTION_KEYS`, or in development a key generated once into
 * `<dataDir>/encryption-keys` (mode 0600). Production without the variable is refused by the config.
 */
export function resolveEncryptionKeys(config: Config): VaultKey[] {
  return keysOf(config.GENIE_ENCRYPTION_KEYS, 'GENIE_ENCRYPTION_KEYS', config.dataDir, 'encryption-keys');
}

/**
 * The Temporal payload keys: `GENIE_PAYLOAD_KEYS`, or in development a key generated once into
 * `<dataDir>/payload-keys`. The API (client and codec server) and every worker need the same ones.
 */
export function resolvePayloadKeys(config: Config): VaultKey[] {
  return keysOf(config.GENIE_PAYLOAD_KEYS, 'GENIE_PAYLOAD_KEYS', config.dataDir, 'payload-keys');
}

/** The keys of `spec`, or those of `<dataDir>/<fileName>`, made on first use (mode 0600). */
function keysOf(spec: string | undefined, variable: string, dataDir: string, fileName: string): VaultKey[] {
  if (spec) return parseKeys(spec, variable);
  const file = path.join(dataDir, fileName);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, `${generateKeySpec('dev1')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
  }
  return parseKeys(fs.readFileSync(file, 'utf8').trim(), file);
}
