import crypto from 'node:crypto';
import type { VaultKey } from './encryption-keys';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const FORMAT = 'v1';

/** Who a ciphertext belongs to; bound into it as associated data. */
export interface VaultContext {
  ownerId: string;
  credentialId: string;
}

/** A ciphertext that does not decrypt: wrong key, tampered, or moved to another row or owner. */
export class VaultError extends Error {
  override name = 'VaultError';
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

  /**
   * An HMAC-SHA256 of `message` under a key derived (HKDF) from vault key `kid` (the primary key by
   * default) for one `purpose`, so a signature made for one use can never pass for another.
   * Undefined when `kid` is not configured.
   */
  mac(purpose: string, message: string, kid = this.primaryKeyId): { kid: string; mac: Buffer } | undefined {
    const key = this.byId.get(kid);
    if (!key) return undefined;
    const derived = Buffer.from(crypto.hkdfSync('sha256', key, Buffer.alloc(0), `worker-genies:${purpose}`, 32));
    return { kid, mac: crypto.createHmac('sha256', derived).update(message, 'utf8').digest() };
  }

  /** The key id a ciphertext was sealed with. */
  keyIdOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
  }
}
