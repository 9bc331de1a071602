// A small OAuth 2.0 authorization server for tests, on loopback: `POST /token` answers the
// refresh-token grant (client authentication checked: HTTP Basic for a confidential client,
// `client_id` in the body for a public one), rotates refresh tokens, can refuse them
// (`invalid_grant`) and issues short-lived access tokens; `GET /resource` is an API that accepts only
// the access tokens it issued and has not revoked; `/broken` answers 500, `/moved` redirects to
// `/token`. It records every token request.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that reached `/token`. */
export interface TokenRequest {
  authorization?: string;
  form: Record<string, string>;
  /** The refresh token it presented. */
  refreshToken?: string;
  /** What the server answered. */
  status: number;
  /** The tokens it issued, when it did. */
  issued?: { accessToken: string; refreshToken?: string };
}

export interface TestOAuthServerOptions {
  clientId: string;
  /** A confidential client authenticates with HTTP Basic; without a secret, a public client sends client_id. */
  clientSecret?: string;
  /** Issue a new refresh token with every access token (the old one stops working). Default true. */
  rotate?: boolean;
  /** `expires_in` of the access tokens, in seconds; null sends none. Default 3600. */
  expiresIn?: number | null;
}

const formDecoded = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
const newToken = (prefix: string) => `${prefix}-${crypto.randomBytes(18).toString('base64url')}`;

export class TestOAuthServer {
  /** Every request to `/token`, in order. */
  readonly tokenRequests: TokenRequest[] = [];
  /** Every request to `/resource`: the Authorization header it carried and the status it got. */
  readonly resourceRequests: Array<{ authorization?: string; status: number }> = [];
  /** Refresh tokens that work now. */
  private readonly refreshTokens = new Set<string>();
  /** Access tokens that work now. */
  private readonly accessTokens = new Set<string>();
  /** Every token this server ever issued or was given, for leak checks. */
  private readonly everToken = new Set<string>();
  /** Answer `/token` this long after the request arrived (widens the window for concurrent callers). */
  delayMs = 0;
  /** Answer every refresh with this OAuth error (e.g. `invalid_grant`, `invalid_client`) while set. */
  refuseWith?: string;
  expiresIn: number | null;
  rotate: boolean;
  port = 0;
  private server?: http.Server;

  constructor(readonly options: TestOAuthServerOptions) {
    this.expiresIn = options.expiresIn === undefined ? 3600 : options.expiresIn;
    this.rotate = options.rotate ?? true;
  }

  /** A refresh token the server accepts (what an owner would get by connecting the account). */
  grantRefreshToken(): string {
    const token = newToken('rt');
    this.refreshTokens.add(token);
    this.everToken.add(token);
    return token;
  }

  /** The server forgets every access token it issued: they are answered 401 from now on. */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  isValidAccessToken(token: string | undefined): boolean {
    return token !== undefined && this.accessTokens.has(token);
  }

  /** True when `authorization` is `Bearer <an access token that works now>`. */
  accepts(authorization: string | undefined): boolean {
    return this.isValidAccessToken(/^Bearer (.+)$/.exec(authorization ?? '')?.[1]);
  }

  /** The access tokens issued so far, in order. */
  get issuedAccessTokens(): string[] {
    return this.tokenRequests.flatMap((r) => (r.issued ? [r.issued.accessToken] : []));
  }

  /** Every secret of this client: its secret, every refresh and access token ever seen or issued. */
  allSecrets(): string[] {
    return [...(this.options.clientSecret ? [this.options.clientSecret] : []), ...this.everToken];
  }

  get tokenUrl(): string {
    return `http://127.0.0.1:${this.port}/token`;
  }

  private clientAuthenticated(req: http.IncomingMessage, form: Record<string, string>): boolean {
    const { clientId, clientSecret } = this.options;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (clientSecret !== undefined) {
      if (!basic || form.client_secret !== undefined) return false;
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      return formDecoded(id ?? '') === clientId && formDecoded(secret ?? '') === clientSecret;
    }
    return !req.headers.authorization && form.client_id === clientId;
  }

  private async token(req: http.IncomingMessage, res: http.ServerResponse, text: string): Promise<void> {
    const form = Object.fromEntries(new URLSearchParams(text));
    const record: TokenRequest = {
      authorization: req.headers.authorization,
      form,
      refreshToken: form.refresh_token,
      status: 0,
    };
    this.tokenRequests.push(record);
    if (form.refresh_token) this.everToken.add(form.refresh_token);
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const answer = (status: number, body: object) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (!this.clientAuthenticated(req, form)) {
      return answer(401, { error: 'invalid_client', error_description: 'client authentication failed' });
    }
    if (form.grant_type !== 'refresh_token') return answer(400, { error: 'unsupported_grant_type' });
    if (this.refuseWith) return answer(400, { error: this.refuseWith, error_description: 'refused by the test' });
    if (!form.refresh_token || !this.refreshTokens.has(form.refresh_token)) {
      return answer(400, { error: 'invalid_grant', error_description: 'the refresh token is not valid' });
    }
    const accessToken = newToken('at');
    this.accessTokens.add(accessToken);
    this.everToken.add(accessToken);
    let refreshToken: string | undefined;
    if (this.rotate) {
      this.refreshTokens.delete(form.refresh_token);
      refreshToken = this.grantRefreshToken();
    }
    record.issued = { accessToken, ...(refreshToken ? { refreshToken } : {}) };
    answer(200, {
      access_token: accessToken,
      token_type: 'Bearer',
      ...(this.expiresIn === null ? {} : { expires_in: this.expiresIn }),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(form.scope ? { scope: form.scope } : {}),
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/token' && req.method === 'POST') return this.token(req, res, Buffer.concat(chunks).toString());
    if (path === '/resource') {
      const status = this.accepts(req.headers.authorization) ? 200 : 401;
      this.resourceRequests.push({ authorization: req.headers.authorization, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { data: 'the protected resource' } : { error: 'invalid_token' }));
      return;
    }
    if (path === '/broken') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    if (path === '/moved') {
      res.writeHead(307, { location: '/token' }).end();
      return;
    }
    res.writeHead(404).end('not found');
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
