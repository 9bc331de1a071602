import {
  refreshable,
  refreshAfterUnauthorized,
  usableCredential,
  type UsableCredential,
} from '../../activities/tools/credential-use';
import type { Db } from '../../db';
import { findCredentialByName } from '../../db/repositories/credentials';
import { credentialAllowed } from '../../fetch/guarded-fetch';
import { listMcpServerTools, McpServerError, type ServerListing } from '../../fetch/mcp-client';
import { Redactor } from '../../fetch/redact';
import type { FetchPolicy } from '../../fetch/ssrf';
import type { Vault } from '../../security/vault';
import { ConflictError, NotFoundError, ValidationError } from '../errors';

/** How long inspecting a server may take, per request (the handshake, each page of tools). */
const INSPECT_TIMEOUT_MS = 15_000;

export interface InspectMcpServerRequest {
  url: string;
  credential?: string | null;
}

/** MCP servers as the console and the CLI see them before a genie uses one. */
export class McpService {
  constructor(
    private readonly db: Db,
    private readonly vault: Vault,
    private readonly fetchPolicy: FetchPolicy
  ) {}

  /**
   * Connects to the server as a run would (the address rules, the credential, the official SDK's
   * Streamable HTTP client) and answers its name, protocol and tools. A refused address is a 400;
   * an unreachable server or a failed handshake a 409 with the reason (never the credential).
   */
  async inspect(ownerId: string, request: InspectMcpServerRequest): Promise<ServerListing> {
    const url = new URL(request.url);
    const deps = { db: this.db, vault: this.vault, fetchPolicy: this.fetchPolicy };
    let credential: UsableCredential | undefined;
    if (request.credential) {
      const row = await findCredentialByName(this.db, ownerId, request.credential);
      if (!row) throw new NotFoundError('Credential');
      if (!credentialAllowed(row, url, url.hostname) || row.allowed_hosts.length === 0) {
        throw new ConflictError(
          `Credential "${row.name}" may not be sent to ${url.hostname} (its allowed_hosts: ${row.allowed_hosts.join(', ') || 'none'}).`,
          [{ field: 'credential', message: `not allowed for ${url.hostname}` }]
        );
      }
      const usable = await usableCredential(deps, row, url);
      if ('error' in usable) throw new ConflictError(usable.error);
      credential = usable;
    }
    let redactor = credential?.redactor ?? new Redactor([]);
    const list = () =>
      listMcpServerTools({
        url: url.toString(),
        policy: this.fetchPolicy,
        credential: credential?.fetch,
        timeoutMs: INSPECT_TIMEOUT_MS,
      });
    try {
      try {
        return await list();
      } catch (err) {
        // An oauth2 access token refused: one fresh token, one more try.
        if (!(err instanceof McpServerError && err.unauthorized && refreshable(credential))) throw err;
        const fresh = await refreshAfterUnauthorized(deps, credential);
        if ('error' in fresh) throw new ConflictError(redactor.text(fresh.error));
        credential = fresh;
        redactor = fresh.redactor;
        return await list();
      }
    } catch (err) {
      if (err instanceof ConflictError) throw err;
      const failure = err as { message?: string; refused?: boolean };
      const message = redactor.text(failure.message ?? String(err));
      if (failure.refused) throw new ValidationError(`url is refused: ${message}`, [{ field: 'url', message }]);
      throw new ConflictError(`The MCP server could not be inspected: ${message}`);
    }
  }
}
