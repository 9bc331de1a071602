// Keyset pagination over `(created_at, id)`, newest first. The cursor is opaque to clients.
import type { Knex } from 'knex';
import { isUuid } from '../domain/ids';

export interface PageCursor {
  createdAt: string;
  id: string;
}

export const PAGE_LIMIT_DEFAULT = 20;
export const PAGE_LIMIT_MAX = 100;

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

/** The cursor, or undefined when `value` is not one this service made. */
export function decodeCursor(value: string): PageCursor | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      !Number.isNaN(Date.parse(parsed[0])) &&
      isUuid(parsed[1])
    ) {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through: not a cursor
  }
  return undefined;
}

/** Orders a query newest first by `(created_at, id)`, starting after `cursor` when given. */
export function newestFirst<Q extends Knex.QueryBuilder>(query: Q, cursor?: PageCursor): Q {
  if (cursor) query.andWhereRaw('(created_at, id) < (?, ?)', [cursor.createdAt, cursor.id]);
  return query.orderBy([
    { column: 'created_at', order: 'desc' },
    { column: 'id', order: 'desc' },
  ]) as Q;
}

/** Splits `limit + 1` fetched rows into a page and the cursor of the next one. */
export function toPage<T extends { id: string; created_at: Date }>(
  rows: T[],
  limit: number
): { items: T[]; nextCursor?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1]!;
  return { items, nextCursor: encodeCursor({ createdAt: last.created_at.toISOString(), id: last.id }) };
}
