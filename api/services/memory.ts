import { findGenie } from '../../db/repositories/genies';
import { listMemory, type MemoryRow, type MemoryScope } from '../../db/repositories/memory';
import type { Db } from '../../db';
import { NotFoundError } from '../errors';

const presentEntry = (row: MemoryRow) => ({
  key: row.key,
  value: row.value,
  scope: row.scope,
  updated_at: row.updated_at.toISOString(),
  expires_at: row.expires_at?.toISOString() ?? null,
  written_by_run_id: row.written_by_run_id,
});

/** What a genie remembers: its own memory, the owner's account memory, or both. */
export class MemoryService {
  constructor(private readonly db: Db) {}

  async list(ownerId: string, genieId: string, options: { scope?: MemoryScope; prefix?: string; limit: number }) {
    if (!(await findGenie(this.db, ownerId, genieId))) throw new NotFoundError('Genie');
    const scopes: MemoryScope[] = options.scope ? [options.scope] : ['genie', 'account'];
    const rows = [];
    for (const scope of scopes) {
      rows.push(
        ...(await listMemory(this.db, ownerId, { scope, genieId }, { prefix: options.prefix, limit: options.limit }))
      );
    }
    return { items: rows.map(presentEntry) };
  }
}
