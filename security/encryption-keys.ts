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
  if (config.GENIE_ENCRYPTION_KEYS) return parseKeys(config.GENIE_ENCRYPTION_KEYS);
  const file = path.join(config.dataDir, 'encryption-keys');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, `${generateKeySpec('dev1')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
  }
  return parseKeys(fs.readFileSync(file, 'utf8').trim(), file);
}
