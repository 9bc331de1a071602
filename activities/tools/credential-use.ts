import type { Queryable } from '../../db';
import { findCredentialByName, touchCredential, type CredentialRow } from '../../db/repositories/credentials';
import { credentialRedactor } from '../../fetch/credentials';
import { credentialAllowed, type FetchCredential } from '../../fetch/guarded-fetch';
import type { Redactor } from '../../fetch/redact';
import { VaultError } from '../../security/vault';
import type { ToolDeps } from '../deps';

/** A credential ready for requests to one host: its secret (inside this activity only) and its redactor. */
export interface UsableCredential {
  row: CredentialRow;
  fetch: FetchCredential;
  /** Hides every form of the secret in what a server sends back. */
  redactor: Redactor;
}

/**
 * The owner's credential `name`, decrypted for a request to `url`; or, in words for the model or
 * the run's warnings, why it cannot be used (gone, not allowed for that host, not decryptable).
 */
export async function useCredential(
  db: Queryable,
  deps: Pick<ToolDeps, 'vault'>,
  ownerId: string,
  name: string,
  url: URL
): Promise<UsableCredential | { error: string }> {
  const row = await findCredentialByName(db, ownerId, name);
  if (!row) return { error: `Credential "${name}" does not exist any more.` };
  if (!credentialAllowed(row, url, url.hostname)) {
    return {
      error: `Credential "${name}" may not be sent to ${url.hostname} (allowed hosts: ${row.allowed_hosts.join(', ') || 'none'}). Nothing was sent.`,
    };
  }
  let secret: string;
  try {
    secret = deps.vault.decrypt(row.ciphertext, { ownerId, credentialId: row.id });
  } catch (err) {
    if (err instanceof VaultError)
      return { error: `Credential "${name}" cannot be decrypted; its owner must store it again.` };
    throw err;
  }
  return { row, fetch: { shape: row, secret }, redactor: credentialRedactor(row, secret) };
}

/** Notes that a credential was used (bookkeeping only: a database hiccup is ignored). */
export async function credentialUsed(db: Queryable, ownerId: string, credential: UsableCredential): Promise<void> {
  await touchCredential(db, ownerId, credential.row.id).catch(() => undefined);
}
