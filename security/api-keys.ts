import crypto from 'node:crypto';

export const API_KEY_PREFIX = 'hg_live_';
const SECRET_BYTES = 30; // 40 base64url characters, 240 bits
const LOOKUP_PREFIX_LENGTH = 12;
const KEY_PATTERN = /^hg_live_([A-Za-z0-9_-]{40})$/;

export interface GeneratedApiKey {
  /** The whole key, shown to the user once: `hg_live_<secret>`. */
  key: string;
  /** Stored in clear to find the row. */
  prefix: string;
  /** Stored instead of the secret. */
  secretSha256: Buffer;
}

const sha256 = (value: string): Buffer => crypto.createHash('sha256').update(value, 'utf8').digest();

/** A new random API key and what to store for it. */
export function generateApiKey(): GeneratedApiKey {
  const secret = crypto.randomBytes(SECRET_BYTES).toString('base64url');
  return { key: API_KEY_PREFIX + secret, prefix: secret.slice(0, LOOKUP_PREFIX_LENGTH), secretSha256: sha256(secret) };
}

/** Splits a presented key into its lookup prefix and secret, or undefined when it is not a key. */
export function parseApiKey(key: string): { prefix: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match?.[1]) return undefined;
  return { prefix: match[1].slice(0, LOOKUP_PREFIX_LENGTH), secret: match[1] };
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedSha256: Buffer): boolean {
  const presented = sha256(secret);
  return presented.length === storedSha256.length && crypto.timingSafeEqual(presented, storedSha256);
}
