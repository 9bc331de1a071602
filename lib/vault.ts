import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';
import { StartupError } from './errors';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const FORMAT = 'v1';

export interface VaultKey {
  kid: string;
  key: Buffer;
}

/** Who a ciphertext belongs to; bound into it as associated data. */
export interface VaultContext {
  ownerId: string;
  credentialId: string;
}

/** A ciphertext that does not decrypt: wrong key, tampered, or moved to another row or owner. */
export class VaultError extends Error {
  override name = 'VaultError';
}

/** Parses `kid:base64key[,kid:base64key...]` (32-byte keys, distinct ids). */
export function parseKeys(spec: string): VaultKey[] {
  const keys = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [kid, encoded, ...rest] = entry.split(':');
      const key = Buffer.from(encoded ?? '', 'base64');
      if (!kid || !/^[A-Za-z0-9_-]{1,32}$/.test(kid) || rest.length > 0 || key.length !== 32) {
        throw new StartupError('GENIE_ENCRYPTION_KEYS must be kid:base64key[,kid:base64key...] with 32-byte keys');
      }
      return { kid, key };
    });
  if (keys.length === 0) throw new StartupError('GENIE_ENCRYPTION_KEYS holds no key');
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) {
    throw new StartupError('GENIE_ENCRYPTION_KEYS repeats a key id');
  }
  return keys;
}

/** A new key spec entry, `kid:base64key`. */
export function generateKeySpec(kid = `k${Date.now().toString(36)}`): string {
  return `${kid}:${crypto.randomBytes(32).toString('base64')}`;
}

/**
 * The encryption keys: `GENIE_ENCRYPTION_KEYS`, or in development a key generated once into
 * `<dataDir>/encryption-keys` (mode 0600). Production without the variable is refused at boot.
 */
export function resolveEncryptionKeys(config: Config): VaultKey[] {
  if (config.GENIE_ENCRYPTION_KEYS) return parseKeys(config.GENIE_ENCRYPTION_KEYS);
  if (config.NODE_ENV === 'production') {
    throw new StartupError('GENIE_ENCRYPTION_KEYS is required in production (kid:base64-32-byte-key)');
  }
  const file = path.join(config.dataDir, 'encryption-keys');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, `${generateKeySpec('dev1')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
  }
  return parseKeys(fs.readFileSync(file, 'utf8').trim());
}

const associatedData = (context: VaultContext, kid: string) =>
  Buffer.from(`worker-genies:${FORMAT}:${context.ownerId}:${context.credentialId}:${kid}`, 'utf8');

/**
 * AES-256-GCM with a fresh 12-byte IV per encryption and the key id stored with the ciphertext.
 * The associated data binds a ciphertext to its owner, credential and key: copied to another row or
 * tenant it fails to decrypt. The first key encrypts; every key decrypts.
 */
export class Vault {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: VaultKey[]) {
    if (keys.length === 0) throw new Error('Vault needs at least one key');
    this.byId = new Map(keys.map((k) => [k.kid, k.key]));
  }

  get primaryKeyId(): string {
    return this.keys[0]!.kid;
  }

  /** `v1.<kid>.<iv>.<ciphertext>.<tag>`, base64url parts. */
  encrypt(plaintext: string, context: VaultContext): string {
    const { kid, key } = this.keys[0]!;
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv(ALGORITHM, key, iv);
    cipher.setAAD(associatedData(context, kid));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT, kid, iv.toString('base64url'), body.toString('base64url'), tag.toString('base64url')].join('.');
  }

  decrypt(sealed: string, context: VaultContext): string {
    const [format, kid, iv, body, tag, ...rest] = sealed.split('.');
    if (format !== FORMAT || !kid || iv === undefined || body === undefined || !tag || rest.length > 0) {
      throw new VaultError('not a vault ciphertext');
    }
    const key = this.byId.get(kid);
    if (!key) throw new VaultError(`encryption key "${kid}" is not configured`);
    try {
      const decipher = crypto.createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(associatedData(context, kid));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError('ciphertext does not decrypt (tampered, or not this credential’s)');
    }
  }

  /** The key id a ciphertext was sealed with. */
  keyIdOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
  }
}
