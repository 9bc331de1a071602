import crypto from 'node:crypto';
import type { z } from 'zod';
import { withToken } from '../../activities/tools/credential-use';
import { oauth2AccessToken, sealOAuth2Secrets } from '../../activities/tools/oauth2-tokens';
import {
  deleteCredential,
  findCredentialById,
  findCredentialByName,
  findCredentialsByNames,
  insertCredential,
  listCredentials,
  updateCredential,
} from '../../db/repositories/credentials';
import type { Db } from '../../db';
import { listGeniesNamingCredential, updateGenie } from '../../db/repositories/genies';
import { hintFor, type CredentialShape } from '../../domain/credentials';
import { credentialRedactor, hostMatches } from '../../fetch/credentials';
import { FetchFailedError, guardedFetch } from '../../fetch/guarded-fetch';
import { FetchRefusedError, type FetchPolicy } from '../../fetch/ssrf';
import type { McpServerConfig } from '../../domain/mcp';
import type { CredentialDefinition, StoreCredentialSchema } from '../../domain/schemas/credential';
import { type Vault, VaultError } from '../../security/vault';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { presentCredential } from '../../db/presenters';
import type { CredentialRow } from '../../db/repositories/credentials';

const shapeOf = (name: string, definition: CredentialDefinition): CredentialShape => ({
  name,
  credential_type: definition.credential_type,
  header_name: definition.header_name ?? null,
  query_param: definition.query_param ?? null,
  allowed_hosts: definition.allowed_hosts,
});

export interface TestCredentialRequest {
  name?: string;
  definition?: CredentialDefinition;
  url?: string;
  method: 'GET' | 'HEAD' | 'POST';
  timeoutMs: number;
}

/** Credentials behind the API: sealed by the vault on the way in, never shown on the way out. */
export class CredentialService {
  constructor(
    private readonly db: Db,
    private readonly vault: Vault,
    private readonly fetchPolicy: FetchPolicy
  ) {}

  /**
   * Stores a credential, or replaces one of the same name when `replace` is set (`created: false`).
   * Storing one again makes it `ok` (an `oauth2` one starts without an access token).
   */
  async store(ownerId: string, input: z.infer<typeof StoreCredentialSchema>) {
    const { name, replace, value, client_secret, refresh_token, token_url, client_id, scope, ...definition } = input;
    const oauth2 = definition.credential_type === 'oauth2';
    // The schema's rules make these present for their types; this only satisfies the types.
    const secret = oauth2 ? refresh_token! : value!;
    const fields = {
      name,
      credential_type: definition.credential_type,
      header_name: definition.header_name ?? null,
      query_param: definition.query_param ?? null,
      allowed_hosts: definition.allowed_hosts,
      hint: hintFor(secret),
      status: 'ok' as const,
      token_url: oauth2 ? token_url! : null,
      client_id: oauth2 ? client_id! : null,
      scope: oauth2 ? (scope ?? null) : null,
    };
    return this.db.transaction(async (trx) => {
      const existing = await findCredentialByName(trx, ownerId, name);
      if (existing && !replace) {
        throw new ConflictError(`A credential named "${name}" exists; send "replace": true to replace it.`);
      }
      const id = existing?.id ?? crypto.randomUUID();
      const sealed = oauth2
        ? sealOAuth2Secrets(this.vault, ownerId, id, {
            client_secret: client_secret ?? null,
            refresh_token: secret,
            access_token: null,
            expires_at: null,
          })
        : { ciphertext: this.vault.encrypt(secret, { ownerId, credentialId: id }), key_id: this.vault.primaryKeyId };
      const row = existing
        ? await updateCredential(trx, ownerId, id, { ...fields, ...sealed })
        : await insertCredential(trx, ownerId, id, { ...fields, ...sealed });
      return { created: !existing, credential: presentCredential(row!) };
    });
  }

  async list(ownerId: string) {
    return { items: (await listCredentials(this.db, ownerId)).map(presentCredential) };
  }

  /**
   * Deletes a credential. While genies still name it, answers 409 listing them, unless `force`,
   * which also takes it out of their `credential_refs` (so their fetches do not fail later).
   */
  async delete(ownerId: string, ref: { id?: string; name?: string }, options: { force?: boolean } = {}) {
    return this.db.transaction(async (trx) => {
      const row = ref.id
        ? await findCredentialById(trx, ownerId, ref.id)
        : await findCredentialByName(trx, ownerId, ref.name ?? '');
      if (!row) throw new NotFoundError('Credential');
      const users = await listGeniesNamingCredential(trx, ownerId, row.name);
      if (users.length > 0 && !options.force) {
        throw new ConflictError(
          `Credential "${row.name}" is named by ${users.length} genie(s): ${users.map((g) => g.name).join(', ')}; ` +
            'remove it from their credential_refs and mcp_servers, or delete with force: true to do that for you.',
          { genies: users.map((g) => ({ id: g.id, name: g.name })) }
        );
      }
      for (const genie of users) {
        await updateGenie(trx, ownerId, genie.id, {
          credential_refs: genie.credential_refs.filter((name) => name !== row.name),
          // An MCP server keeps its place and goes without the credential.
          mcp_servers: genie.mcp_servers.map((server) =>
            server.credential === row.name ? { ...server, credential: null } : server
          ),
        });
      }
      if (!(await deleteCredential(trx, ownerId, row.id))) throw new NotFoundError('Credential');
      return { deleted: true, id: row.id, ...(users.length ? { removed_from_genies: users.map((g) => g.id) } : {}) };
    });
  }

  /** The name of the owner's credential with this id (404 when there is none). */
  async nameOf(ownerId: string, id: string): Promise<string> {
    const row = await findCredentialById(this.db, ownerId, id);
    if (!row) throw new NotFoundError('Credential');
    return row.name;
  }

  /** 409 naming each credential a genie refers to that the owner does not have (yet). */
  async assertExist(ownerId: string, names: string[]): Promise<void> {
    const found = new Set((await findCredentialsByNames(this.db, ownerId, names)).map((c) => c.name));
    const missing = names.map((name, i) => ({ name, i })).filter(({ name }) => !found.has(name));
    if (missing.length > 0) {
      throw new ConflictError(
        `credential_refs names credentials that do not exist: ${missing.map((m) => m.name).join(', ')}`,
        missing.map(({ name, i }) => ({ field: `credential_refs.${i}`, message: `no credential named "${name}"` }))
      );
    }
  }

  /**
   * Each MCP server's credential exists and its allowed_hosts name the server's host (a 409 naming
   * the field otherwise): a genie never holds a credential that could not go where it says.
   */
  async assertMcpCredentials(ownerId: string, servers: readonly McpServerConfig[]): Promise<void> {
    const named = servers.flatMap((server, i) => (server.credential ? [{ server, i, name: server.credential }] : []));
    if (named.length === 0) return;
    const rows = new Map(
      (await findCredentialsByNames(this.db, ownerId, [...new Set(named.map((n) => n.name))])).map((c) => [c.name, c])
    );
    const problems = named.flatMap(({ server, i, name }) => {
      const row = rows.get(name);
      const field = `mcp_servers.${i}.credential`;
      if (!row) return [{ field, message: `no credential named "${name}"` }];
      const url = new URL(server.url);
      return hostMatches(url.hostname, row.allowed_hosts)
        ? []
        : [
            {
              field,
              message: `credential "${name}" may not be sent to ${url.hostname} (its allowed_hosts: ${row.allowed_hosts.join(', ') || 'none'})`,
            },
          ];
    });
    if (problems.length > 0) {
      throw new ConflictError(`mcp_servers: ${problems.map((p) => p.message).join('; ')}`, problems);
    }
  }

  /**
   * Checks a stored credential (it decrypts; an `oauth2` one is refreshed) or a new one (it parses),
   * and with `url` makes a real request through the same guarded fetcher as web_fetch, reporting
   * status and latency.
   */
  async test(ownerId: string, request: TestCredentialRequest) {
    let shape: CredentialShape;
    let secret: string;
    if (request.name !== undefined) {
      const row = await findCredentialByName(this.db, ownerId, request.name);
      if (!row) throw new NotFoundError('Credential');
      if (row.credential_type === 'oauth2') return this.testOAuth2(row, request);
      try {
        secret = this.vault.decrypt(row.ciphertext, { ownerId, credentialId: row.id });
      } catch (err) {
        if (err instanceof VaultError)
          return { ok: false, error: 'The stored secret does not decrypt; store it again.' };
        throw err;
      }
      shape = row;
    } else {
      const { value, ...definition } = request.definition!;
      if (definition.credential_type === 'oauth2' || value === undefined) {
        // Testing refreshes, and a token endpoint may rotate (so spend) the refresh token it is given.
        throw new ValidationError('An oauth2 credential is tested once it is stored: store it, then test it by name.', [
          { field: 'name', message: 'required to test an oauth2 credential' },
        ]);
      }
      shape = shapeOf('(new)', { ...definition, value });
      secret = value;
    }
    if (!request.url) return { ok: true };
    const url = this.testUrl(request.url, shape);
    const started = Date.now();
    try {
      const result = await guardedFetch(
        { url: url.toString(), method: request.method, headers: {}, timeoutMs: request.timeoutMs },
        { policy: this.fetchPolicy, credential: { shape, secret } }
      );
      return { ok: result.status < 400, status: result.status, latency_ms: Date.now() - started };
    } catch (err) {
      if (err instanceof FetchRefusedError || err instanceof FetchFailedError) {
        return {
          ok: false,
          error: credentialRedactor(shape, secret).text(err.message),
          latency_ms: Date.now() - started,
        };
      }
      throw err;
    }
  }

  /**
   * Tests a stored `oauth2` credential: refreshes its access token (a refused refresh token makes
   * it `needs_reauth`) and answers when the new one expires; with `url`, then makes a real request with it.
   */
  private async testOAuth2(row: CredentialRow, request: TestCredentialRequest) {
    const url = request.url ? this.testUrl(request.url, row) : undefined;
    const deps = { db: this.db, vault: this.vault, fetchPolicy: this.fetchPolicy };
    const token = await oauth2AccessToken(deps, row, { force: true });
    if ('error' in token) return { ok: false, error: token.error };
    const expires_at = token.expiresAt;
    if (!url) return { ok: true, expires_at };
    const credential = withToken(row, token);
    const started = Date.now();
    try {
      const result = await guardedFetch(
        { url: url.toString(), method: request.method, headers: {}, timeoutMs: request.timeoutMs },
        { policy: this.fetchPolicy, credential: credential.fetch }
      );
      return { ok: result.status < 400, status: result.status, latency_ms: Date.now() - started, expires_at };
    } catch (err) {
      if (err instanceof FetchRefusedError || err instanceof FetchFailedError) {
        return {
          ok: false,
          error: credential.redactor.text(err.message),
          latency_ms: Date.now() - started,
          expires_at,
        };
      }
      throw err;
    }
  }

  /** The URL a test requests: a valid one, among the credential's allowed hosts (400 otherwise). */
  private testUrl(raw: string, shape: Pick<CredentialShape, 'allowed_hosts'>): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError('url is not a valid absolute URL', [{ field: 'url', message: 'not a valid URL' }]);
    }
    // A test goes only where the credential says it may: an old credential with no allowed_hosts
    // is sent by web_fetch where a request names it, but a test of it reaches nowhere until it has some.
    if (shape.allowed_hosts.length === 0) {
      throw new ValidationError(
        'This credential has no allowed_hosts, so it may not be sent anywhere to test it: store it again with allowed_hosts (["*"] for any public host).',
        [{ field: 'url', message: 'the credential names no allowed hosts' }]
      );
    }
    if (!hostMatches(url.hostname, shape.allowed_hosts)) {
      throw new ValidationError(
        `The credential may not be sent to ${url.hostname} (allowed: ${shape.allowed_hosts.join(', ')}).`,
        [{ field: 'url', message: `${url.hostname} is not one of the credential's allowed_hosts` }]
      );
    }
    return url;
  }
}
