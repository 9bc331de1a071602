/**
 * The account's business tables that `query_data` reads and `/v1/data/{table}` ingests
 * (the README lists them). One catalogue drives the migration's shape checks, ingest validation, filters
 * and result trimming. Every row belongs to one owner; `owner_id` is never a column callers see.
 */

export type ColumnType = 'uuid' | 'text' | 'integer' | 'timestamp' | 'json';

export interface ColumnSpec {
  type: ColumnType;
  /** Must be given on ingest. */
  required?: boolean;
  /** Another table of the same owner this column points at. */
  references?: DataTableName;
  /** Long text: cut in query results so one transcript cannot flood the model's context. */
  long?: boolean;
  /** Never null: left out (or null) on ingest, the database fills it in (a new id, now, `{}`). */
  defaulted?: boolean;
}

export const DATA_TABLE_NAMES = [
  'agents',
  'conversations',
  'leads',
  'lead_activities',
  'call_logs',
  'documents',
  'email_logs',
] as const;
export type DataTableName = (typeof DATA_TABLE_NAMES)[number];

const id: ColumnSpec = { type: 'uuid', defaulted: true };
const metadata: ColumnSpec = { type: 'json', defaulted: true };
const now: ColumnSpec = { type: 'timestamp', defaulted: true };

export const DATA_TABLES: Record<DataTableName, Record<string, ColumnSpec>> = {
  agents: {
    id,
    name: { type: 'text', required: true },
    kind: { type: 'text' },
    status: { type: 'text' },
    created_at: now,
    metadata,
  },
  conversations: {
    id,
    agent_id: { type: 'uuid', references: 'agents' },
    channel: { type: 'text' },
    contact_name: { type: 'text' },
    contact_email: { type: 'text' },
    summary: { type: 'text', long: true },
    sentiment: { type: 'text' },
    started_at: now,
    ended_at: { type: 'timestamp' },
    metadata,
  },
  leads: {
    id,
    name: { type: 'text', required: true },
    email: { type: 'text' },
    phone: { type: 'text' },
    company: { type: 'text' },
    status: { type: 'text' },
    source: { type: 'text' },
    score: { type: 'integer' },
    created_at: now,
    updated_at: now,
    metadata,
  },
  lead_activities: {
    id,
    lead_id: { type: 'uuid', required: true, references: 'leads' },
    type: { type: 'text', required: true },
    description: { type: 'text', long: true },
    occurred_at: now,
    metadata,
  },
  call_logs: {
    id,
    agent_id: { type: 'uuid', references: 'agents' },
    lead_id: { type: 'uuid', references: 'leads' },
    direction: { type: 'text' },
    from_number: { type: 'text' },
    to_number: { type: 'text' },
    duration_seconds: { type: 'integer' },
    outcome: { type: 'text' },
    transcript: { type: 'text', long: true },
    started_at: now,
    metadata,
  },
  documents: {
    id,
    title: { type: 'text', required: true },
    content: { type: 'text', long: true },
    source_url: { type: 'text' },
    created_at: now,
    metadata,
  },
  email_logs: {
    id,
    lead_id: { type: 'uuid', references: 'leads' },
    direction: { type: 'text' },
    subject: { type: 'text' },
    body: { type: 'text', long: true },
    to_address: { type: 'text' },
    from_address: { type: 'text' },
    status: { type: 'text' },
    sent_at: now,
    metadata,
  },
};

export const isDataTable = (name: string): name is DataTableName =>
  (DATA_TABLE_NAMES as readonly string[]).includes(name);

/** The column rows are ordered by when no order is given (newest first). */
export const DEFAULT_ORDER: Record<DataTableName, string> = {
  agents: 'created_at',
  conversations: 'started_at',
  leads: 'created_at',
  lead_activities: 'occurred_at',
  call_logs: 'started_at',
  documents: 'created_at',
  email_logs: 'sent_at',
};
