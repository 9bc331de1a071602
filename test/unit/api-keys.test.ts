import crypto from 'node:crypto';
import { API_KEY_PREFIX, generateApiKey, parseApiKey, secretMatches } from '../../security/api-keys';

describe('API keys', () => {
  it('generates hg_live_ keys whose stored form is a prefix and a sha256, not the secret', () => {
    const generated = generateApiKey();
    expect(generated.key).toMatch(/^hg_live_[A-Za-z0-9_-]{40}$/);
    const secret = generated.key.slice(API_KEY_PREFIX.length);
    expect(generated.prefix).toBe(secret.slice(0, 12));
    expect(generated.secretSha256).toEqual(crypto.createHash('sha256').update(secret).digest());
    expect(generated.secretSha256.toString('hex')).not.toContain(secret);
  });

  it('never generates the same key twice', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey().key));
    expect(keys.size).toBe(1000);
  });

  it('verifies the right secret and refuses any other', () => {
    const generated = generateApiKey();
    const parsed = parseApiKey(generated.key)!;
    expect(secretMatches(parsed.secret, generated.secretSha256)).toBe(true);
    const tampered = parsed.secret.slice(0, -1) + (parsed.secret.endsWith('A') ? 'B' : 'A');
    expect(secretMatches(tampered, generated.secretSha256)).toBe(false);
    expect(secretMatches(parsed.secret, Buffer.alloc(32))).toBe(false);
    expect(secretMatches(parsed.secret, Buffer.alloc(5))).toBe(false);
  });

  it.each([
    '',
    'hg_live_',
    'hg_test_' + 'a'.repeat(40),
    'hg_live_' + 'a'.repeat(39),
    'hg_live_' + 'a'.repeat(41),
    'hg_live_' + '!'.repeat(40),
  ])('does not parse %j as a key', (value) => {
    expect(parseApiKey(value)).toBeUndefined();
  });
});
