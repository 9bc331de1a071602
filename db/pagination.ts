// Keyset pagination over `(created_at, id)`, newest first. The cursor is opaque to clients.
import type { Knex } from 'knex';
import { isUuid } from '../domain/ids';
import { isoOf } from './timestamptz';

export interface PageCursor {
  createdAt: string;
  id: string;
}

export const PAGE_LIMIT_DEFAULT = 20;
export const PAGE_LIMIT_MAX = 100;

/**
 * What a cursor looks like: `<created_at in ms>_<id>`. Any string of this shape is a usable place
 * to start a page from, so the API documents it as a pattern.
 */
export const CURSOR_PATTERN = /^(\d{1,13})_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeCursor(cursor: PageCursor): string {
  return `${Date.parse(cursor.createdAt)}_${cursor.id}`;
}

/** The cursor, or undefined when `value` is not one. */
export function decodeCursor(value: string): PageCursor | undefined {
  const match = CURSOR_PATTERN.exec(value);
  if (!match || !isUuid(match[2])) return undefined;
  return { createdAt: new Date(Number(match[1])).toISOString(), id: match[2] };
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
export function toPage<T extends { id: string; created_at: Date | string }>(
  rows: T[],
  limit: number
): { items: T[]; nextCursor?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1]!;
  return { items, nextCursor: encodeCursor({ createdAt: isoOf(last.created_at), id: last.id }) };
}
