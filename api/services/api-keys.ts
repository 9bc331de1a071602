import {
  createApiKey,
  findApiKey,
  listApiKeys,
  revokeApiKey,
  TooManyApiKeysError,
} from '../../db/repositories/api-keys';
import type { Db } from '../../db';
import { ConflictError, NotFoundError } from '../errors';
import { presentApiKey } from '../../db/presenters';

/** The caller's own API keys: list, create (the key is shown once), revoke. */
export class ApiKeyService {
  constructor(private readonly db: Db) {}

  async list(ownerId: string) {
    return { items: (await listApiKeys(this.db, ownerId)).map(presentApiKey) };
  }

  /** A new key; the answer is the only place its secret ever appears. 409 past the active-key limit. */
  async create(ownerId: string, name: string | null) {
    let created;
    try {
      created = await createApiKey(this.db, ownerId, name ?? undefined);
    } catch (err) {
      if (err instanceof TooManyApiKeysError) {
        throw new ConflictError(
          `You have ${err.limit} active API keys, the most one user may hold: revoke one you no longer use (DELETE /v1/api-keys/{id}), then create a new one.`,
          { limit: err.limit }
        );
      }
      throw err;
    }
    const row = (await findApiKey(this.db, ownerId, created.id))!;
    return { ...presentApiKey(row), key: created.key };
  }

  /** Revokes one of the caller's keys (its next request answers 401); revoking twice is fine. */
  async revoke(ownerId: string, keyId: string) {
    await revokeApiKey(this.db, ownerId, keyId);
    const row = await findApiKey(this.db, ownerId, keyId);
    if (!row) throw new NotFoundError('API key');
    return presentApiKey(row);
  }
}
