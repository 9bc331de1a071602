import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { CredentialService } from '../../api/services/credentials';
import { rotateCredentialKeys } from '../../cli/rotate-keys';
import { insertGenie } from '../../db/repositories/genies';
import { GenieCreateSchema, normalizeGenie } from '../../domain/schemas/genie';
import { openWebhookSecret, sealWebhookSecret } from '../../security/webhook-secrets';
import { findOrCreateUserByEmail } from '../../db/repositories/users';
import { createDb, migrateLatest, type Db } from '../../db';
import { generateKeySpec, parseKeys } from '../../security/encryption-keys';
import { Vault } from '../../security/vault';

/** `npm run cli -- keys rotate` on a database of its own (rotation touches every credential). */

const ROOT = path.resolve(__dirname, '../..');
let db: Db;
let url: string;
const database = `rotation_${Date.now()}`;

beforeAll(async () => {
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const base = new URL(process.env.DATABASE_URL!);
  base.pathname = `/${database}`;
  url = base.toString();
  db = createDb(url);
  await migrateLatest(db);
});
afterAll(() => db.destroy());

function rotate(keys: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'keys', 'rotate'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, GENIE_ENCRYPTION_KEYS: keys },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

it('re-encrypts every credential under the first key, keeping every one usable', async () => {
  const oldSpec = generateKeySpec('old');
  const newSpec = generateKeySpec('new');
  const oldVault = new Vault(parseKeys(oldSpec));
  const service = new CredentialService(db, oldVault, { allowHosts: [] });
  const owners = [await findOrCreateUserByEmail(db, 'a@rot.test'), await findOrCreateUserByEmail(db, 'b@rot.test')];
  for (const [i, owner] of owners.entries()) {
    for (let n = 0; n < 3; n++) {
      await service.store(owner.id, {
        name: `cred${n}`,
        replace: false,
        credential_type: 'bearer_token',
        value: `secret-${i}-${n}-abcdefgh`,
        allowed_hosts: [],
      });
    }
  }

  const first = await rotate(`${newSpec},${oldSpec}`);
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('Credentials: 6; re-encrypted under key "new": 6; already under it: 0; failed: 0');

  const rows = await db('credentials');
  const newOnly = new Vault(parseKeys(newSpec));
  for (const row of rows) {
    expect(row.key_id).toBe('new');
    const owner = owners.findIndex((o) => o.id === row.owner_id);
    expect(newOnly.decrypt(row.ciphertext, { ownerId: row.owner_id, credentialId: row.id })).toBe(
      `secret-${owner}-${row.name.slice(4)}-abcdefgh`
    );
  }

  const again = await rotate(`${newSpec},${oldSpec}`);
  expect(again.stdout).toContain('re-encrypted under key "new": 0; already under it: 6; failed: 0');

  // Without the key they were sealed with, a credential cannot be rotated: reported, exit 1.
  await db('credentials').update({ key_id: 'gone', ciphertext: db.raw(`replace(ciphertext, 'v1.new.', 'v1.gone.')`) });
  const broken = await rotate(newSpec);
  expect(broken.code).toBe(1);
  expect(broken.stdout).toContain('failed: 6');
  expect(broken.stderr).toContain('encryption key "gone" is not configured');
});

it('re-seals a rotated-out webhook secret that still signs, under the first key', async () => {
  const oldSpec = generateKeySpec('hook-old');
  const newSpec = generateKeySpec('hook-new');
  const oldVault = new Vault(parseKeys(oldSpec));
  const owner = await findOrCreateUserByEmail(db, 'hooks@rot.test');
  const spec = normalizeGenie(GenieCreateSchema.parse({ name: 'hooked', soul_prompt: 'x' }));
  const sealed = (genieId: string, secret: string) => sealWebhookSecret(oldVault, owner.id, genieId, secret);
  // One genie whose previous secret still signs, one whose previous secret has expired.
  const live = await insertGenie(db, owner.id, spec);
  const stale = await insertGenie(db, owner.id, spec);
  for (const [genie, expires] of [
    [live, db.raw(`now() + interval '1 hour'`)],
    [stale, db.raw(`now() - interval '1 hour'`)],
  ] as const) {
    await db('genies')
      .where({ id: genie.id })
      .update({
        webhook_url: 'https://hooks.example.com/x',
        webhook_secret_sealed: sealed(genie.id, `whsec_current-${genie.id}`),
        webhook_previous_secret_sealed: sealed(genie.id, `whsec_previous-${genie.id}`),
        webhook_previous_secret_expires_at: expires,
      });
  }

  const report = await rotateCredentialKeys(db, new Vault(parseKeys(`${newSpec},${oldSpec}`)));
  expect(report.failed.filter((f) => f.id === live.id || f.id === stale.id)).toEqual([]);

  const newOnly = new Vault(parseKeys(newSpec));
  const row = await db('genies').where({ id: live.id }).first();
  expect(openWebhookSecret(newOnly, owner.id, live.id, row.webhook_secret_sealed)).toBe(`whsec_current-${live.id}`);
  expect(openWebhookSecret(newOnly, owner.id, live.id, row.webhook_previous_secret_sealed)).toBe(
    `whsec_previous-${live.id}`
  );
  // An expired previous secret is never opened again: left as it was.
  const staleRow = await db('genies').where({ id: stale.id }).first();
  expect(newOnly.keyIdOf(staleRow.webhook_previous_secret_sealed)).toBe('hook-old');
});
