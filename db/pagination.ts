import type { Knex } from 'knex';
import type { PageCursor } from '../lib/pagination';

/** Orders a query newest first by `(created_at, id)`, starting after `cursor` when given. */
export function newestFirst<Q extends Knex.QueryBuilder>(query: Q, cursor?: PageCursor): Q {
  if (cursor) query.andWhereRaw('(created_at, id) < (?, ?)', [cursor.createdAt, cursor.id]);
  return query.orderBy([
    { column: 'created_at', order: 'desc' },
    { column: 'id', order: 'desc' },
  ]) as Q;
}
