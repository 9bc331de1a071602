import {
  decodeOAuth2Secrets,
  encodeOAuth2Secrets,
  OAUTH2_REFRESH_MARGIN_MS,
  usableAccessToken,
} from '../../domain/credentials';
import { CredentialDefinitionSchema, StoreCredentialSchema } from '../../domain/schemas/credential';
import { OAuth2GrantRefusedError, OAuth2TokenError, refreshAccessToken } from '../../fetch/oauth2';
import type { FetchPolicy, Resolver } from '../../fetch/ssrf';
import { TestOAuthServer } from '../support/oauth-server';

/**
 * The OAuth 2.0 refresh-token grant against a real token endpoint on loopback (reached through the
 * address guard by a fake DNS name), and the rules of an oauth2 credential's definition.
 */

const resolve: Resolver = async (host) => {
  if (host === 'auth.test') return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`no such host ${host}`);
};
const policy: FetchPolicy = { allowHosts: ['auth.test'], resolve };

describe('refreshAccessToken', () => {
  let confidential: TestOAuthServer;
  let publicClient: TestOAuthServer;
  const url = (server: TestOAuthServer, path = '/token') => `http://auth.test:${server.port}${path}`;

  beforeAll(async () => {
    confidential = await new TestOAuthServer({ clientId: 'app id', clientSecret: 'se:cret+/Client-Secret' }).start();
    publicClient = await new TestOAuthServer({ clientId: 'public-app', expiresIn: null, rotate: false }).start();
  });
  afterAll(async () => {
    await confidential.close();
    await publicClient.close();
  });

  it('authenticates a confidential client with HTTP Basic (form-encoded id and secret), asks for the scope, and takes a rotated refresh token', async () => {
    const refreshToken = confidential.grantRefreshToken();
    const before = Date.now();
    const grant = await refreshAccessToken(
      { tokenUrl: url(confidential), clientId: 'app id', clientSecret: 'se:cret+/Client-Secret', scope: 'read write' },
      refreshToken,
      { policy }
    );
    const request = confidential.tokenRequests.at(-1)!;
    expect(request.status).toBe(200);
    expect(request.authorization).toBe(
      `Basic ${Buffer.from('app+id:se%3Acret%2B%2FClient-Secret').toString('base64')}`
    );
    expect(request.form).toEqual({ grant_type: 'refresh_token', refresh_token: refreshToken, scope: 'read write' });
    expect(grant.accessToken).toBe(request.issued!.accessToken);
    expect(grant.refreshToken).toBe(request.issued!.refreshToken);
    expect(grant.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 3600_000);
    expect(grant.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
  });

  it('sends a public client’s client_id in the body, without Authorization; no expires_in, no rotation', async () => {
    const refreshToken = publicClient.grantRefreshToken();
    const grant = await refreshAccessToken(
      { tokenUrl: url(publicClient), clientId: 'public-app', clientSecret: null, scope: null },
      refreshToken,
      { policy }
    );
    const request = publicClient.tokenRequests.at(-1)!;
    expect(request.authorization).toBeUndefined();
    expect(request.form).toEqual({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'public-app' });
    expect(grant).toEqual({ accessToken: request.issued!.accessToken, expiresAt: null, refreshToken: null });
  });

  it('throws OAuth2GrantRefusedError for invalid_grant, and never sends a used (rotated) refresh token twice', async () => {
    const refreshToken = confidential.grantRefreshToken();
    const client = {
      tokenUrl: url(confidential),
      clientId: 'app id',
      clientSecret: 'se:cret+/Client-Secret',
      scope: null,
    };
    await refreshAccessToken(client, refreshToken, { policy });
    const again = refreshAccessToken(client, refreshToken, { policy });
    await expect(again).rejects.toBeInstanceOf(OAuth2GrantRefusedError);
    await expect(again).rejects.toThrow(/invalid_grant/);
  });

  it('throws OAuth2TokenError for other refusals, server errors, redirects and refused addresses', async () => {
    const refreshToken = confidential.grantRefreshToken();
    const client = { tokenUrl: url(confidential), clientId: 'app id', clientSecret: 'wrong', scope: null };
    await expect(refreshAccessToken(client, refreshToken, { policy })).rejects.toThrow(
      new OAuth2TokenError(
        'The token endpoint refused the refresh (HTTP 401, invalid_client: client authentication failed)'
      )
    );
    const broken = { ...client, tokenUrl: url(confidential, '/broken') };
    await expect(refreshAccessToken(broken, refreshToken, { policy })).rejects.toThrow(
      new OAuth2TokenError('The token endpoint answered HTTP 500')
    );
    const moved = { ...client, tokenUrl: url(confidential, '/moved') };
    await expect(refreshAccessToken(moved, refreshToken, { policy })).rejects.toThrow(
      new OAuth2TokenError('The token endpoint answered HTTP 307')
    );
    const inside = { ...client, tokenUrl: confidential.tokenUrl };
    const refused = refreshAccessToken(inside, refreshToken, { policy: { allowHosts: [] } });
    await expect(refused).rejects.toBeInstanceOf(OAuth2TokenError);
    await expect(refused).rejects.toThrow(/token URL is refused/);
    // Nothing reached the server from the redirect or the refused address.
    expect(confidential.tokenRequests.filter((r) => r.refreshToken === refreshToken)).toHaveLength(1);
  });
});

describe('an oauth2 credential’s secrets', () => {
  it('round-trip as one JSON document, and refuse what is not one', () => {
    const secrets = { client_secret: null, refresh_token: 'rt', access_token: 'at', expires_at: null };
    expect(decodeOAuth2Secrets(encodeOAuth2Secrets(secrets))).toEqual(secrets);
    expect(() => decodeOAuth2Secrets('plain-bearer-token')).toThrow();
    expect(() => decodeOAuth2Secrets('{"access_token":"x"}')).toThrow();
  });

  it('use the stored access token unless there is none or it expires within 60 s', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const at = (ms: number) => new Date(now + ms).toISOString();
    const secrets = { client_secret: null, refresh_token: 'rt', access_token: 'at', expires_at: null };
    expect(usableAccessToken(secrets, now)).toBe('at');
    expect(usableAccessToken({ ...secrets, expires_at: at(OAUTH2_REFRESH_MARGIN_MS + 1000) }, now)).toBe('at');
    expect(usableAccessToken({ ...secrets, expires_at: at(OAUTH2_REFRESH_MARGIN_MS - 1000) }, now)).toBeNull();
    expect(usableAccessToken({ ...secrets, expires_at: at(-1000) }, now)).toBeNull();
    expect(usableAccessToken({ ...secrets, access_token: null }, now)).toBeNull();
  });
});

describe('the definition of an oauth2 credential', () => {
  const oauth2 = {
    name: 'crm',
    credential_type: 'oauth2',
    token_url: 'https://auth.example.com/oauth/token',
    client_id: 'client',
    client_secret: 'secret-1234567890',
    refresh_token: 'refresh-1234567890',
    scope: 'read',
    allowed_hosts: ['api.example.com'],
  };
  const fields = (schema: typeof StoreCredentialSchema | typeof CredentialDefinitionSchema, body: object) => {
    const parsed = schema.safeParse(body);
    return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
  };

  it('takes token_url, client_id, refresh_token, and optionally client_secret and scope', () => {
    expect(fields(StoreCredentialSchema, oauth2)).toEqual([]);
    const { client_secret: _secret, scope: _scope, ...minimal } = oauth2;
    expect(fields(StoreCredentialSchema, minimal)).toEqual([]);
    const { name: _name, ...definition } = oauth2;
    expect(fields(CredentialDefinitionSchema, definition)).toEqual([]);
  });

  it.each([
    ['token_url', { token_url: undefined }],
    ['client_id', { client_id: undefined }],
    ['refresh_token', { refresh_token: undefined }],
    ['token_url', { token_url: 'ftp://auth.example.com/token' }],
    ['token_url', { token_url: 'https://user:pw@auth.example.com/token' }],
    ['token_url', { token_url: 'not a url' }],
    ['value', { value: 'a-secret' }],
    ['header_name', { header_name: 'X-Token' }],
    ['query_param', { query_param: 'key' }],
    ['refresh_token', { refresh_token: 'a\r\nb' }],
    ['allowed_hosts', { allowed_hosts: undefined }],
  ])('names %s when it is wrong (%j)', (field, change) => {
    const body = { ...oauth2, ...change };
    expect(fields(StoreCredentialSchema, body)).toContain(field);
  });

  it('names every field at once, and refuses the oauth2 fields on other types', () => {
    expect(fields(StoreCredentialSchema, { name: 'x', credential_type: 'oauth2' })).toEqual(
      expect.arrayContaining(['allowed_hosts', 'token_url', 'client_id', 'refresh_token'])
    );
    expect(
      fields(StoreCredentialSchema, {
        name: 'x',
        credential_type: 'bearer_token',
        value: 'v',
        refresh_token: 'r',
        allowed_hosts: ['*'],
      })
    ).toEqual(['refresh_token']);
    expect(fields(StoreCredentialSchema, { name: 'x', credential_type: 'bearer_token' })).toEqual(
      expect.arrayContaining(['value', 'allowed_hosts'])
    );
  });
});
