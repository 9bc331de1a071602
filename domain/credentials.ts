// What a stored credential is, without its secret. Pure: the schemas, the repository and the
// fetcher all describe credentials with these.

export const CREDENTIAL_TYPES = ['bearer_token', 'api_key', 'basic_auth', 'custom_header', 'oauth2'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/**
 * Whether a credential can be used: `needs_reauth` when an `oauth2` credential's refresh token was
 * refused (its owner must store it again); every other credential is always `ok`.
 */
export const CREDENTIAL_STATUSES = ['ok', 'needs_reauth'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/** The `allowed_hosts` entry that lets a credential go to any public host, said on purpose. */
export const ANY_PUBLIC_HOST = '*';

/**
 * What a credential's answer warns of: `no_allowed_hosts` for one stored before hosts were required
 * (it still works where a request names it; its owner should say where it may go).
 */
export const CREDENTIAL_WARNINGS = ['no_allowed_hosts'] as const;
export type CredentialWarning = (typeof CREDENTIAL_WARNINGS)[number];

export function credentialWarnings(shape: Pick<CredentialShape, 'allowed_hosts'>): CredentialWarning[] {
  return shape.allowed_hosts.length === 0 ? ['no_allowed_hosts'] : [];
}

/** The default header of an `api_key` credential that names neither header nor query parameter. */
export const DEFAULT_API_KEY_HEADER = 'X-API-Key';
const HINT_MIN_SECRET_LENGTH = 12;

/** How a credential is sent, without its secret. */
export interface CredentialShape {
  name: string;
  credential_type: CredentialType;
  header_name: string | null;
  query_param: string | null;
  allowed_hosts: string[];
}

/** The last 4 characters of a long secret, for recognising it; nothing for short ones. */
export function hintFor(secret: string): string | null {
  return secret.length >= HINT_MIN_SECRET_LENGTH ? secret.slice(-4) : null;
}

/**
 * The secrets of an `oauth2` credential, sealed together by the vault as one JSON document: what
 * its owner gave (client secret, refresh token) and what the token endpoint answered last (the
 * access token and when it expires; a rotated refresh token replaces the stored one).
 */
export interface OAuth2Secrets {
  client_secret: string | null;
  refresh_token: string;
  access_token: string | null;
  /** ISO time; null when the token endpoint did not say (the token is used until refused). */
  expires_at: string | null;
}

/** An access token that expires within this long is refreshed before a request, not used. */
export const OAUTH2_REFRESH_MARGIN_MS = 60_000;

export function encodeOAuth2Secrets(secrets: OAuth2Secrets): string {
  return JSON.stringify(secrets);
}

/** The secrets of a sealed `oauth2` credential, opened; throws when the plaintext is not one. */
export function decodeOAuth2Secrets(plaintext: string): OAuth2Secrets {
  const parsed: unknown = JSON.parse(plaintext);
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : null);
  const fields = (parsed ?? {}) as Record<string, unknown>;
  const refresh = text(fields.refresh_token);
  if (!refresh) throw new Error('not the secrets of an oauth2 credential');
  return {
    client_secret: text(fields.client_secret),
    refresh_token: refresh,
    access_token: text(fields.access_token),
    expires_at: text(fields.expires_at),
  };
}

/** The stored access token, when there is one that does not expire within the margin. */
export function usableAccessToken(secrets: OAuth2Secrets, now = Date.now()): string | null {
  if (!secrets.access_token) return null;
  if (secrets.expires_at !== null && Date.parse(secrets.expires_at) - now < OAUTH2_REFRESH_MARGIN_MS) return null;
  return secrets.access_token;
}

/** What a request with an `oauth2` credential whose refresh token was refused is told. */
export function needsReauthMessage(name: string): string {
  return `Credential "${name}" needs to be connected again (its refresh token was refused); its owner must store it again.`;
}
