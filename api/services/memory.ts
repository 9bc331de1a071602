import { findGenie } from '../../db/repositories/genies';
import { listMemory, type MemoryScope } from '../../db/repositories/memory';
import type { Db } from '../../db';
import { NotFoundError } from '../errors';
import { presentMemoryEntry } from '../../db/presenters';

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
    return { items: rows.map(presentMemoryEntry) };
  }
}
