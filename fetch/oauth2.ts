// The OAuth 2.0 refresh-token grant (RFC 6749 §6): one request to a credential's token URL, through
// the same address guard as web_fetch. It knows nothing of where the tokens are kept.
import { FetchFailedError, guardedFetch } from './guarded-fetch';
import { FetchRefusedError, type FetchPolicy } from './ssrf';

/** How long the token endpoint may take to answer. */
const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

/** The client a refresh token was issued to, and where it is refreshed. */
export interface OAuth2Client {
  tokenUrl: string;
  clientId: string;
  /** With one, the client authenticates with HTTP Basic; without, `client_id` goes in the body. */
  clientSecret: string | null;
  scope: string | null;
}

/** What the token endpoint granted. */
export interface TokenGrant {
  accessToken: string;
  /** Null when the endpoint gave no `expires_in`. */
  expiresAt: Date | null;
  /** A rotated refresh token, when the endpoint sent one (it replaces the old one). */
  refreshToken: string | null;
}

/** The token endpoint answered `invalid_grant`: the refresh token is no good any more. */
export class OAuth2GrantRefusedError extends Error {
  override name = 'OAuth2GrantRefusedError';
}

/**
 * The refresh failed for another reason (refused address, unreachable, another OAuth error, an
 * answer that is not a token). The message is for people; the caller redacts it too.
 */
export class OAuth2TokenError extends Error {
  override name = 'OAuth2TokenError';
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 §2.3.1 for Basic credentials too). */
const formEncoded = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `expires_in` as the spec says (seconds, a number), or as some servers send it (a numeric string). */
function expiresInSeconds(value: unknown): number | null {
  const seconds = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/**
 * Asks `client.tokenUrl` for a new access token with `grant_type=refresh_token`. Redirects are not
 * followed (the request carries the client's secret). Throws OAuth2GrantRefusedError for
 * `invalid_grant`, OAuth2TokenError for every other failure.
 */
export async function refreshAccessToken(
  client: OAuth2Client,
  refreshToken: string,
  options: { policy: FetchPolicy }
): Promise<TokenGrant> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  if (client.scope) form.set('scope', client.scope);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (client.clientSecret !== null) {
    const basic = `${formEncoded(client.clientId)}:${formEncoded(client.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic, 'utf8').toString('base64')}`;
  } else {
    form.set('client_id', client.clientId);
  }
  let answer;
  try {
    answer = await guardedFetch(
      { url: client.tokenUrl, method: 'POST', headers, body: form.toString(), timeoutMs: TOKEN_REQUEST_TIMEOUT_MS },
      { policy: options.policy, maxRedirects: 0 }
    );
  } catch (err) {
    if (err instanceof FetchRefusedError) throw new OAuth2TokenError(`The token URL is refused: ${err.message}`);
    if (err instanceof FetchFailedError) {
      throw new OAuth2TokenError(`The token endpoint could not be reached: ${err.message}`);
    }
    throw err;
  }
  const json = parseJson(answer.body);
  if (answer.status !== 200) {
    const error = typeof json?.error === 'string' ? json.error : undefined;
    const description = typeof json?.error_description === 'string' ? `: ${json.error_description}` : '';
    if (error === 'invalid_grant') {
      throw new OAuth2GrantRefusedError(`The token endpoint refused the refresh token (invalid_grant${description})`);
    }
    throw new OAuth2TokenError(
      error
        ? `The token endpoint refused the refresh (HTTP ${answer.status}, ${error}${description})`
        : `The token endpoint answered HTTP ${answer.status}`
    );
  }
  const accessToken = json?.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0 || /[\r\n\0]/.test(accessToken)) {
    throw new OAuth2TokenError('The token endpoint answered without an access_token');
  }
  const tokenType = json?.token_type;
  if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer') {
    throw new OAuth2TokenError(`The token endpoint granted a token of type "${tokenType}"; only Bearer is supported`);
  }
  const seconds = expiresInSeconds(json?.expires_in);
  const rotated = json?.refresh_token;
  return {
    accessToken,
    expiresAt: seconds === null ? null : new Date(Date.now() + seconds * 1000),
    refreshToken: typeof rotated === 'string' && rotated.length > 0 && !/[\r\n\0]/.test(rotated) ? rotated : null,
  };
}
