// What a stored credential is, without its secret. Pure: the schemas, the repository and the
// fetcher all describe credentials with these.

export const CREDENTIAL_TYPES = ['bearer_token', 'api_key', 'basic_auth', 'custom_header'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

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
