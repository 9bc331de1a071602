import type { Queryable } from '../../db';
import { findCredentialByName, touchCredential, type CredentialRow } from '../../db/repositories/credentials';
import type { CredentialShape } from '../../domain/credentials';
import { credentialRedactor } from '../../fetch/credentials';
import { credentialAllowed, type FetchCredential } from '../../fetch/guarded-fetch';
import { Redactor } from '../../fetch/redact';
import { VaultError } from '../../security/vault';
import type { ToolDeps } from '../deps';
import { oauth2AccessToken, type AccessToken, type AccessTokenOptions } from './oauth2-tokens';

/** A credential ready for requests to one host: its secret (inside this activity only) and its redactor. */
export interface UsableCredential {
  row: CredentialRow;
  fetch: FetchCredential;
  /** Hides every form of the secret in what a server sends back. */
  redactor: Redactor;
  /** An `oauth2` credential's token, as it was got (its expiry; whether this call refreshed it). */
  token?: AccessToken;
}

/** What using a credential needs: an `oauth2` one may be refreshed (Postgres, the address rules). */
export type CredentialDeps = Pick<ToolDeps, 'db' | 'vault' | 'fetchPolicy'>;

/** An `oauth2` credential goes on the wire as its access token, a bearer token. */
const bearerShape = (row: CredentialRow): CredentialShape => ({
  name: row.name,
  credential_type: 'bearer_token',
  header_name: null,
  query_param: null,
  allowed_hosts: row.allowed_hosts,
});

/**
 * An `oauth2` credential ready to send `token`, its redactor hiding every secret it has had
 * (`earlier` ones too: a token it replaced may still be echoed).
 */
export function withToken(row: CredentialRow, token: AccessToken, earlier: string[] = []): UsableCredential {
  const secrets = [...new Set([...earlier, ...token.secrets, token.accessToken])];
  return {
    row,
    fetch: { shape: bearerShape(row), secret: token.accessToken },
    redactor: new Redactor(secrets.map((value) => ({ name: row.name, value }))),
    token,
  };
}

async function withAccessToken(
  deps: CredentialDeps,
  row: CredentialRow,
  options: AccessTokenOptions,
  earlier: string[] = []
): Promise<UsableCredential | { error: string }> {
  const token = await oauth2AccessToken(deps, row, options);
  return 'error' in token ? token : withToken(row, token, earlier);
}

/**
 * The credential `row`, made ready for a request to `url` (decrypted; for `oauth2`, with an access
 * token, refreshed when needed); or, in words for the model or the run's warnings, why it cannot
 * be used (not allowed for that host, not decryptable, its refresh token refused).
 */
export async function usableCredential(
  deps: CredentialDeps,
  row: CredentialRow,
  url: URL
): Promise<UsableCredential | { error: string }> {
  if (!credentialAllowed(row, url, url.hostname)) {
    return {
      error: `Credential "${row.name}" may not be sent to ${url.hostname} (allowed hosts: ${row.allowed_hosts.join(', ') || 'none'}). Nothing was sent.`,
    };
  }
  if (row.credential_type === 'oauth2') return withAccessToken(deps, row, {});
  let secret: string;
  try {
    secret = deps.vault.decrypt(row.ciphertext, { ownerId: row.owner_id, credentialId: row.id });
  } catch (err) {
    if (err instanceof VaultError)
      return { error: `Credential "${row.name}" cannot be decrypted; its owner must store it again.` };
    throw err;
  }
  return { row, fetch: { shape: row, secret }, redactor: credentialRedactor(row, secret) };
}

/**
 * The owner's credential `name`, decrypted for a request to `url`; or, in words for the model or
 * the run's warnings, why it cannot be used (gone, not allowed for that host, not decryptable).
 */
export async function useCredential(
  db: Queryable,
  deps: CredentialDeps,
  ownerId: string,
  name: string,
  url: URL
): Promise<UsableCredential | { error: string }> {
  const row = await findCredentialByName(db, ownerId, name);
  if (!row) return { error: `Credential "${name}" does not exist any more.` };
  return usableCredential(deps, row, url);
}

/** Whether a 401 answer may be cured by a fresh token: only an `oauth2` credential's. */
export const refreshable = (credential: UsableCredential | undefined): credential is UsableCredential =>
  credential?.row.credential_type === 'oauth2';

/**
 * After the server answered 401 to `credential`'s access token: a fresh one (unless another call
 * stored one meanwhile), with a redactor that hides the old token too; or why there is none.
 */
export async function refreshAfterUnauthorized(
  deps: CredentialDeps,
  credential: UsableCredential
): Promise<UsableCredential | { error: string }> {
  const earlier = [...(credential.token?.secrets ?? []), credential.fetch.secret];
  return withAccessToken(deps, credential.row, { rejected: credential.fetch.secret }, earlier);
}

/** Notes that a credential was used (bookkeeping only: a database hiccup is ignored). */
export async function credentialUsed(db: Queryable, ownerId: string, credential: UsableCredential): Promise<void> {
  await touchCredential(db, ownerId, credential.row.id).catch(() => undefined);
}
