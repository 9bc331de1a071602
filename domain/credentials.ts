// What a stored credential is, without its secret. Pure: the schemas, the repository and the
// fetcher all describe credentials with these.

export const CREDENTIAL_TYPES = ['bearer_token', 'api_key', 'basic_auth', 'custom_header'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

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
