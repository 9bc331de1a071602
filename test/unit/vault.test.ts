import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../platform/config';
import { generateKeySpec, parseKeys, resolveEncryptionKeys, resolvePayloadKeys } from '../../security/encryption-keys';
import { Vault, VaultError } from '../../security/vault';

const context = { ownerId: crypto.randomUUID(), credentialId: crypto.randomUUID() };
const vault = new Vault(parseKeys(generateKeySpec('a')));

describe('Vault', () => {
  it('round-trips a secret, with the key id in the ciphertext and no plaintext in it', () => {
    const sealed = vault.encrypt('sk-live-very-secret', context);
    expect(sealed).toMatch(/^v1\.a\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('sk-live');
    expect(vault.decrypt(sealed, context)).toBe('sk-live-very-secret');
    expect(vault.keyIdOf(sealed)).toBe('a');
  });

  it('refuses a ciphertext with any byte tampered', () => {
    const sealed = vault.encrypt('secret value', context);
    const [format, kid, iv, body, tag] = sealed.split('.') as [string, string, string, string, string];
    for (const [index, part] of [iv, body, tag].entries()) {
      const bytes = Buffer.from(part, 'base64url');
      for (let i = 0; i < bytes.length; i++) {
        const tampered = Buffer.from(bytes);
        tampered[i]! ^= 0x01;
        const parts = [iv, body, tag];
        parts[index] = tampered.toString('base64url');
        expect(() => vault.decrypt([format, kid, ...parts].join('.'), context)).toThrow(VaultError);
      }
    }
  });

  it('refuses a ciphertext moved to another owner or another credential', () => {
    const sealed = vault.encrypt('secret', context);
    expect(() => vault.decrypt(sealed, { ...context, ownerId: crypto.randomUUID() })).toThrow(VaultError);
    expect(() => vault.decrypt(sealed, { ...context, credentialId: crypto.randomUUID() })).toThrow(VaultError);
  });

  it('refuses a ciphertext relabelled with another configured key id', () => {
    const two = new Vault(parseKeys(`${generateKeySpec('a')},${generateKeySpec('b')}`));
    const sealed = two.encrypt('secret', context);
    expect(() => two.decrypt(sealed.replace('.a.', '.b.'), context)).toThrow(VaultError);
    expect(() => two.decrypt('garbage', context)).toThrow(VaultError);
  });

  it('never repeats an IV in 10,000 encryptions', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 10_000; i++) ivs.add(vault.encrypt('x', context).split('.')[2]!);
    expect(ivs.size).toBe(10_000);
  });

  it('encrypts with the first key and decrypts with any configured key', () => {
    const oldSpec = generateKeySpec('old');
    const old = new Vault(parseKeys(oldSpec));
    const sealed = old.encrypt('legacy', context);
    const rotated = new Vault(parseKeys(`${generateKeySpec('new')},${oldSpec}`));
    expect(rotated.decrypt(sealed, context)).toBe('legacy');
    expect(rotated.keyIdOf(rotated.encrypt('fresh', context))).toBe('new');
    const removed = new Vault(parseKeys(generateKeySpec('new')));
    expect(() => removed.decrypt(sealed, context)).toThrow(/"old" is not configured/);
  });

  it.each([
    '',
    'k1',
    'k1:short',
    `k1:${Buffer.alloc(32).toString('base64')},k1:${Buffer.alloc(32).toString('base64')}`,
    'bad id!:x',
  ])('refuses the key spec %j', (spec) => {
    expect(() => parseKeys(spec)).toThrow();
  });
});

describe('encryption keys from the environment', () => {
  it('generates a dev key once into the data dir, mode 0600', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-'));
    try {
      const config = parseConfig({ GENIE_DATA_DIR: dir });
      const first = resolveEncryptionKeys(config);
      const file = path.join(dir, 'encryption-keys');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(resolveEncryptionKeys(config)).toEqual(first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('requires GENIE_ENCRYPTION_KEYS and GENIE_PAYLOAD_KEYS in production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/GENIE_ENCRYPTION_KEYS is required in production/);
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/GENIE_PAYLOAD_KEYS is required in production/);
  });

  it('generates the dev payload keys once, apart from the vault keys', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-keys-'));
    try {
      const config = parseConfig({ GENIE_DATA_DIR: dir });
      const first = resolvePayloadKeys(config);
      expect(first).toHaveLength(1);
      expect(resolvePayloadKeys(config)).toEqual(first);
      expect(resolveEncryptionKeys(config)[0]!.key.equals(first[0]!.key)).toBe(false);
      expect(fs.statSync(path.join(dir, 'payload-keys')).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
