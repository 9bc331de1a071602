import { ANY_PUBLIC_HOST, DEFAULT_API_KEY_HEADER, type CredentialShape } from '../domain/credentials';
import { Redactor } from './redact';

/**
 * True when `host` matches an allowed entry: `api.example.com`, `*.example.com` for its subdomains,
 * or `*` for any host (the address rules still keep private ones out).
 */
export function hostMatches(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return allowed.some((entry) =>
    entry === ANY_PUBLIC_HOST
      ? true
      : entry.startsWith('*.')
        ? h.endsWith(entry.slice(1)) && h.length > entry.length - 1
        : h === entry
  );
}

/**
 * True when the credential names `host` itself (not only through `*`): such a credential may be
 * added to a request that names none. A `*` credential goes only where a request names it.
 */
export function hostNamedBy(host: string, allowed: readonly string[]): boolean {
  return hostMatches(
    host,
    allowed.filter((entry) => entry !== ANY_PUBLIC_HOST)
  );
}

/** Injects the secret into a request's URL or headers as the credential's type says. */
export function injectCredential(
  credential: CredentialShape,
  secret: string,
  url: URL,
  headers: Record<string, string>
): void {
  const setHeader = (name: string, value: string) => {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    headers[name] = value;
  };
  switch (credential.credential_type) {
    case 'bearer_token':
      return setHeader('Authorization', `Bearer ${secret}`);
    case 'basic_auth':
      return setHeader('Authorization', `Basic ${Buffer.from(secret, 'utf8').toString('base64')}`);
    case 'custom_header':
      return setHeader(credential.header_name!, secret);
    case 'api_key':
      if (credential.query_param) return void url.searchParams.set(credential.query_param, secret);
      return setHeader(credential.header_name ?? DEFAULT_API_KEY_HEADER, secret);
    case 'oauth2':
      // Its secret is the sealed token document, never a header value: callers send its access
      // token as a bearer credential (activities/tools/credential-use.ts).
      throw new Error(`Credential "${credential.name}" is oauth2: send its access token, not its stored secrets.`);
  }
}

/** Every secret string that injecting this credential can put on the wire (for redaction). */
function secretParts(credential: CredentialShape, secret: string): string[] {
  const parts = [secret];
  if (credential.credential_type === 'basic_auth') {
    const password = secret.slice(secret.indexOf(':') + 1);
    if (password) parts.push(password);
  }
  return parts;
}

/** Hides every form of the credential's secret as `[REDACTED:<name>]`. */
export function credentialRedactor(credential: CredentialShape, secret: string): Redactor {
  return new Redactor(secretParts(credential, secret).map((value) => ({ name: credential.name, value })));
}
