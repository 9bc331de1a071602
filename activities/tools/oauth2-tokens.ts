// The access token of an `oauth2` credential: the stored one while it lasts, else one refresh at its
// token URL, made once however many calls need it (one promise per credential in this process, the
// credential's row locked across processes) and stored before anyone uses it.
import type { Db } from '../../db';
import {
  lockCredential,
  markCredentialNeedsReauth,
  storeCredentialSecrets,
  type CredentialRow,
} from '../../db/repositories/credentials';
import { claimNotification } from '../../db/repositories/notifications';
import {
  decodeOAuth2Secrets,
  encodeOAuth2Secrets,
  needsReauthMessage,
  usableAccessToken,
  type OAuth2Secrets,
} from '../../domain/credentials';
import { OAuth2GrantRefusedError, OAuth2TokenError, refreshAccessToken } from '../../fetch/oauth2';
import { Redactor } from '../../fetch/redact';
import type { FetchPolicy } from '../../fetch/ssrf';
import { type Vault, VaultError } from '../../security/vault';

/** What getting an access token needs: Postgres (the lock, the stored tokens), the vault, the address rules. */
export interface OAuth2Deps {
  db: Db;
  vault: Vault;
  fetchPolicy: FetchPolicy;
}

/** An access token to send, and every secret value the credential had on the way (for redaction). */
export interface AccessToken {
  accessToken: string;
  /** ISO time, or null when the token endpoint did not say. */
  expiresAt: string | null;
  /** Whether this call's token request made it (false: a stored one, or one another call made). */
  refreshed: boolean;
  secrets: string[];
}

/** Why no access token: in words for the model, the run's warnings or the owner (never a secret). */
export type AccessTokenOutcome = AccessToken | { error: string };

/** The secrets of an `oauth2` credential, sealed for its row (the owner and id are bound into the ciphertext). */
export function sealOAuth2Secrets(
  vault: Vault,
  ownerId: string,
  credentialId: string,
  secrets: OAuth2Secrets
): { ciphertext: string; key_id: string } {
  return {
    ciphertext: vault.encrypt(encodeOAuth2Secrets(secrets), { ownerId, credentialId }),
    key_id: vault.primaryKeyId,
  };
}

/** Opens an `oauth2` credential's secrets; a VaultError when they do not decrypt or are not its kind. */
function openOAuth2Secrets(vault: Vault, row: CredentialRow): OAuth2Secrets {
  const plaintext = vault.decrypt(row.ciphertext, { ownerId: row.owner_id, credentialId: row.id });
  try {
    return decodeOAuth2Secrets(plaintext);
  } catch {
    throw new VaultError('the sealed secrets are not those of an oauth2 credential');
  }
}

const secretValues = (secrets: OAuth2Secrets): string[] =>
  [secrets.client_secret, secrets.refresh_token, secrets.access_token].filter((v): v is string => !!v);

const cannotDecrypt = (name: string) => ({
  error: `Credential "${name}" cannot be decrypted; its owner must store it again.`,
});

/** The refreshes under way in this process, by credential id: calls that need one at once share it. */
const flights = new Map<string, Promise<AccessTokenOutcome>>();

export interface AccessTokenOptions {
  /** Refresh even when the stored token would do (the test action). */
  force?: boolean;
  /** The server refused this token (HTTP 401): use another, refreshing unless one was stored meanwhile. */
  rejected?: string;
}

/**
 * An access token for the `oauth2` credential `row`: the stored one unless there is none, it
 * expires within 60 s (or it is `rejected`, or `force`), else a fresh one from its token URL.
 * `invalid_grant` sets the credential `needs_reauth` and tells its owner, once.
 */
export async function oauth2AccessToken(
  deps: OAuth2Deps,
  row: CredentialRow,
  options: AccessTokenOptions = {}
): Promise<AccessTokenOutcome> {
  if (row.status === 'needs_reauth') return { error: needsReauthMessage(row.name) };
  if (!options.force) {
    let secrets: OAuth2Secrets;
    try {
      secrets = openOAuth2Secrets(deps.vault, row);
    } catch (err) {
      if (err instanceof VaultError) return cannotDecrypt(row.name);
      throw err;
    }
    const stored = usableAccessToken(secrets);
    if (stored && stored !== options.rejected) {
      return { accessToken: stored, expiresAt: secrets.expires_at, refreshed: false, secrets: secretValues(secrets) };
    }
  }
  // A refresh under way may be joined; if it did not give what this call needs (a token other than
  // the rejected one, a refresh when forced), this call makes its own.
  for (let round = 0; ; round++) {
    const running = flights.get(row.id);
    const flight = running ?? startFlight(deps, row, options);
    const outcome = await flight;
    if (!running || 'error' in outcome || round > 0) return outcome;
    const wanted = (!options.force || outcome.refreshed) && outcome.accessToken !== options.rejected;
    if (wanted) return outcome;
  }
}

function startFlight(deps: OAuth2Deps, row: CredentialRow, options: AccessTokenOptions): Promise<AccessTokenOutcome> {
  const flight: Promise<AccessTokenOutcome> = refreshUnderLock(deps, row, options).finally(() => {
    if (flights.get(row.id) === flight) flights.delete(row.id);
  });
  flights.set(row.id, flight);
  return flight;
}

/**
 * With the credential's row locked: reads what is stored now (another process may have refreshed
 * meanwhile, or the owner stored it again), refreshes if that is still needed, and stores the new
 * tokens (a rotated refresh token with them) before the lock is released and the token returned.
 */
async function refreshUnderLock(
  deps: OAuth2Deps,
  seen: CredentialRow,
  options: AccessTokenOptions
): Promise<AccessTokenOutcome> {
  return deps.db.transaction(async (trx) => {
    const row = await lockCredential(trx, seen.owner_id, seen.id);
    if (!row || row.credential_type !== 'oauth2' || !row.token_url || !row.client_id) {
      return { error: `Credential "${seen.name}" does not exist any more.` };
    }
    if (row.status === 'needs_reauth') return { error: needsReauthMessage(row.name) };
    let secrets: OAuth2Secrets;
    try {
      secrets = openOAuth2Secrets(deps.vault, row);
    } catch (err) {
      if (err instanceof VaultError) return cannotDecrypt(row.name);
      throw err;
    }
    const stored = usableAccessToken(secrets);
    if (!options.force && stored && stored !== options.rejected) {
      return { accessToken: stored, expiresAt: secrets.expires_at, refreshed: false, secrets: secretValues(secrets) };
    }
    const redactor = new Redactor(secretValues(secrets).map((value) => ({ name: row.name, value })));
    let grant;
    try {
      grant = await refreshAccessToken(
        {
          tokenUrl: row.token_url,
          clientId: row.client_id,
          clientSecret: secrets.client_secret,
          scope: row.scope,
        },
        secrets.refresh_token,
        { policy: deps.fetchPolicy }
      );
    } catch (err) {
      if (err instanceof OAuth2GrantRefusedError) {
        if (await markCredentialNeedsReauth(trx, row.owner_id, row.id)) {
          await claimNotification(trx, row.owner_id, {
            genie_id: null,
            run_id: null,
            tool_use_id: null,
            subject: `Credential "${row.name}" needs to be connected again`,
            message:
              `The token endpoint of the OAuth 2.0 credential "${row.name}" refused its refresh token (invalid_grant), ` +
              'so genies cannot use it until you store it again with a new refresh token (store it with "replace": true).',
            priority: 'high',
            channel: 'dashboard',
            email_status: null,
          });
        }
        return { error: needsReauthMessage(row.name) };
      }
      if (err instanceof OAuth2TokenError) {
        return { error: `Credential "${row.name}" could not be refreshed: ${redactor.text(err.message)}` };
      }
      if (err instanceof Error) err.message = redactor.text(err.message);
      throw err;
    }
    const next: OAuth2Secrets = {
      ...secrets,
      refresh_token: grant.refreshToken ?? secrets.refresh_token,
      access_token: grant.accessToken,
      expires_at: grant.expiresAt?.toISOString() ?? null,
    };
    await storeCredentialSecrets(trx, row.owner_id, row.id, sealOAuth2Secrets(deps.vault, row.owner_id, row.id, next));
    return {
      accessToken: grant.accessToken,
      expiresAt: next.expires_at,
      refreshed: true,
      secrets: [...new Set([...secretValues(secrets), ...secretValues(next)])],
    };
  });
}
