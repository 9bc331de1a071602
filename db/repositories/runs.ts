import type { Queryable } from '../index';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRow {
  id: string;
  owner_id: string;
  genie_id: string;
  workflow_id: string;
  trigger_type: string;
  status: RunStatus;
  input: unknown;
  output: string | null;
  error: { type: string; message: string } | null;
  turns: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  scheduled_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** The newest runs of one genie, newest first. */
export async function listRecentRuns(
  db: Queryable,
  ownerId: string,
  genieId: string,
  limit: number
): Promise<RunRow[]> {
  return db<RunRow>('runs')
    .where({ owner_id: ownerId, genie_id: genieId })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
}
