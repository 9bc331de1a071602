// The `kid:base64key[,kid:base64key...]` format of the service's key variables (32-byte AES-256 keys,
// distinct ids; the first encrypts, all decrypt). Parsed here once, for config validation and for
// the keys themselves.

export interface KeyEntry {
  kid: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_SPEC_FORMAT = 'kid:base64key[,kid:base64key...] with 32-byte keys and distinct ids';

/** The keys of a spec, or why it is not one. */
export function parseKeySpec(spec: string): { keys: KeyEntry[] } | { problem: string } {
  const keys: KeyEntry[] = [];
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [kid, encoded, ...rest] = entry.split(':');
    const key = Buffer.from(encoded ?? '', 'base64');
    if (!kid || !KEY_ID.test(kid) || rest.length > 0 || key.length !== 32) {
      return { problem: `must be ${KEY_SPEC_FORMAT}` };
    }
    keys.push({ kid, key });
  }
  if (keys.length === 0) return { problem: 'holds no key' };
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) return { problem: 'repeats a key id' };
  return { keys };
}
