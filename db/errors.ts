/**
 * A write that needs a row the owner does not have (a run deleted mid-flight with its genie, say).
 * Retrying cannot bring it back: activities turn it into a permanent failure.
 */
export class RowNotFoundError extends Error {
  override name = 'RowNotFoundError';

  constructor(
    readonly table: 'runs' | 'genies',
    readonly id: string
  ) {
    super(`${table === 'runs' ? 'Run' : 'Genie'} ${id} not found`);
  }
}
