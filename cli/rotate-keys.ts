import { listAllCredentialsForRotation, lockCredential, updateCredential } from '../db/repositories/credentials';
import {
  listAllPreviousWebhookSecretsForRotation,
  listAllWebhookSecretsForRotation,
  setPreviousWebhookSecret,
  setWebhookSecret,
} from '../db/repositories/genies';
import type { Db } from '../db';
import { openWebhookSecret, sealWebhookSecret } from '../security/webhook-secrets';
import type { Vault } from '../security/vault';

export interface RotationReport {
  total: number;
  reencrypted: number;
  alreadyCurrent: number;
  failed: Array<{ id: string; name: string; reason: string }>;
}

const BATCH = 200;

/**
 * Re-encrypts every credential and webhook signing secret (a rotated-out one still signing too) not
 * sealed with the vault's first key under that key, in batches. Secrets that no configured key
 * opens are reported, not touched.
 */
export async function rotateCredentialKeys(db: Db, vault: Vault): Promise<RotationReport> {
  const report: RotationReport = { total: 0, reencrypted: 0, alreadyCurrent: 0, failed: [] };
  for (let after: string | null = null; ;) {
    const batch = await listAllCredentialsForRotation(db, after, BATCH);
    if (batch.length === 0) break;
    for (const row of batch) {
      report.total++;
      if (vault.keyIdOf(row.ciphertext) === vault.primaryKeyId) {
        report.alreadyCurrent++;
        continue;
      }
      const context = { ownerId: row.owner_id, credentialId: row.id };
      try {
        // Locked and read again: a token refresh storing a rotated refresh token meanwhile is
        // re-encrypted as it now is, never overwritten with what this batch read before it.
        await db.transaction(async (trx) => {
          const current = await lockCredential(trx, row.owner_id, row.id);
          if (!current) return;
          const ciphertext = vault.encrypt(vault.decrypt(current.ciphertext, context), context);
          await updateCredential(trx, row.owner_id, row.id, { ciphertext, key_id: vault.primaryKeyId });
        });
        report.reencrypted++;
      } catch (err) {
        report.failed.push({ id: row.id, name: row.name, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    after = batch[batch.length - 1]!.id;
  }
  // A genie's webhook signing secret, and the one a rotation left signing for a while.
  const webhookSecrets = [
    { label: 'webhook secret', rows: await listAllWebhookSecretsForRotation(db), store: setWebhookSecret },
    {
      label: 'previous webhook secret',
      rows: await listAllPreviousWebhookSecretsForRotation(db),
      store: setPreviousWebhookSecret,
    },
  ];
  for (const { label, rows, store } of webhookSecrets) {
    for (const genie of rows) {
      report.total++;
      if (vault.keyIdOf(genie.sealed) === vault.primaryKeyId) {
        report.alreadyCurrent++;
        continue;
      }
      try {
        const secret = openWebhookSecret(vault, genie.owner_id, genie.id, genie.sealed);
        await store(db, genie.owner_id, genie.id, sealWebhookSecret(vault, genie.owner_id, genie.id, secret));
        report.reencrypted++;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        report.failed.push({ id: genie.id, name: `${label} of ${genie.name}`, reason });
      }
    }
  }
  return report;
}
