import { createApiKey, findApiKey, listApiKeys, revokeApiKey } from '../../db/repositories/api-keys';
import type { Db } from '../../db';
import { NotFoundError } from '../errors';
import { presentApiKey } from '../../db/presenters';

/** The caller's own API keys: list, create (the key is shown once), revoke. */
export class ApiKeyService {
  constructor(private readonly db: Db) {}

  async list(ownerId: string) {
    return { items: (await listApiKeys(this.db, ownerId)).map(presentApiKey) };
  }

  /** A new key; the answer is the only place its secret ever appears. */
  async create(ownerId: string, name: string | null) {
    const created = await createApiKey(this.db, ownerId, name ?? undefined);
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
