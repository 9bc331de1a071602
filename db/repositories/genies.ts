import type { RunStatus, TriggerType } from '../../domain/runs';
import type { GenieSpec } from '../../domain/schemas/genie';
import type { PageCursor } from '../pagination';
import type { Queryable } from '../index';
import { newestFirst } from '../pagination';
import { ISO_TIMESTAMPS } from '../timestamptz';

/** A genie as stored (jsonb columns already parsed by pg). */
export interface GenieRow extends GenieSpec {
  id: string;
  owner_id: string;
  /** Goes up by one on every update; `genie_versions` keeps each. */
  version: number;
  /** The webhook signing secret, sealed by the vault; null without a webhook. */
  webhook_secret_sealed: string | null;
  /** The secret before the last rotation, which signs too until it expires (null: none). */
  webhook_previous_secret_sealed: string | null;
  webhook_previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const JSON_COLUMNS = [
  'schedule',
  'server_tools',
  'web_search',
  'delegates',
  'event_types',
  'credential_refs',
  'tools',
  'approval_required',
  'webhook_events',
  'mcp_servers',
] as const;

/** pg needs jsonb values as JSON text; arrays would otherwise be sent as Postgres arrays. */
function toColumns(spec: Partial<GenieSpec>): Record<string, unknown> {
  const columns: Record<string, unknown> = { ...spec };
  for (const key of JSON_COLUMNS) {
    if (key in columns) columns[key] = columns[key] === null ? null : JSON.stringify(columns[key]);
  }
  return columns;
}

/** Stored alongside the spec but never part of it (and never in a version). */
export interface GenieSecrets {
  webhook_secret_sealed?: string | null;
}

/** The writable fields of a stored genie: what a version keeps. */
export function specOfRow(row: GenieRow): GenieSpec {
  const {
    id: _id,
    owner_id: _owner,
    created_at: _created,
    updated_at: _updated,
    version: _version,
    webhook_secret_sealed: _secret,
    webhook_previous_secret_sealed: _previous,
    webhook_previous_secret_expires_at: _previousExpires,
    ...spec
  } = row;
  return spec;
}

/** Keeps the genie as it is now as its current version (once: a repeat changes nothing). */
async function keepVersion(db: Queryable, row: GenieRow): Promise<void> {
  await db('genie_versions')
    .insert({
      genie_id: row.id,
      owner_id: row.owner_id,
      version: row.version,
      spec: JSON.stringify(specOfRow(row)),
    })
    .onConflict(['genie_id', 'version'])
    .ignore();
}

/** Inserts a genie at version 1 (call inside a transaction: the genie and its version go together). */
export async function insertGenie(
  db: Queryable,
  ownerId: string,
  spec: GenieSpec,
  secrets: GenieSecrets = {}
): Promise<GenieRow> {
  const [row] = await db<GenieRow>('genies')
    .insert({ ...toColumns(spec), ...secrets, owner_id: ownerId })
    .returning('*');
  await keepVersion(db, row!);
  return row!;
}

export async function findGenie(db: Queryable, ownerId: string, id: string): Promise<GenieRow | undefined> {
  return db<GenieRow>('genies').where({ owner_id: ownerId, id }).first();
}

/** The genie row locked for update, inside a transaction. */
export async function findGenieForUpdate(trx: Queryable, ownerId: string, id: string): Promise<GenieRow | undefined> {
  return trx<GenieRow>('genies').where({ owner_id: ownerId, id }).forUpdate().first();
}

/** What a genie is shown with (presenters.presentGenie): not its owner, never its sealed secret. */
const PRESENTED_COLUMNS = [
  'id',
  'name',
  'description',
  'soul_prompt',
  'trigger_type',
  'schedule',
  'event_types',
  'credential_refs',
  'tools',
  'model',
  'max_turns',
  'max_tokens_per_run',
  'max_cost_per_run_usd',
  'monthly_budget_usd',
  'model_mode',
  'thinking_budget_tokens',
  'server_tools',
  'web_search',
  'delegates',
  'max_concurrent_runs',
  'enabled',
  'approval_required',
  'approval_timeout_seconds',
  'webhook_url',
  'webhook_events',
  'mcp_servers',
  'version',
  'created_at',
  'updated_at',
] as const;

/**
 * A listed genie with its newest run's id, status and times (all null when it has no run). Its
 * times are the ISO strings they are shown as (ISO_TIMESTAMPS), not Dates.
 */
export type ListedGenieRow = Omit<Pick<GenieRow, (typeof PRESENTED_COLUMNS)[number]>, 'created_at' | 'updated_at'> & {
  created_at: string;
  updated_at: string;
  last_run_id: string | null;
  last_run_status: RunStatus | null;
  last_run_created_at: string | null;
  last_run_finished_at: string | null;
};

/**
 * A page of the owner's genies, newest first (`limit + 1` rows: is there a next page?), each with
 * its newest run, in one query: each genie's run is one step down the runs `(owner_id, genie_id,
 * created_at, id)` index, however many runs it has. The API's busiest query: a named (prepared)
 * statement per shape of filters, so Postgres parses and plans it once per connection; its times
 * come as the ISO strings they are shown as.
 */
export async function listGenies(
  db: Queryable,
  ownerId: string,
  options: { limit: number; cursor?: PageCursor; triggerType?: TriggerType; enabled?: boolean }
): Promise<ListedGenieRow[]> {
  const query = db<GenieRow>('genies').select(PRESENTED_COLUMNS).where({ owner_id: ownerId });
  if (options.triggerType) query.andWhere({ trigger_type: options.triggerType });
  if (options.enabled !== undefined) query.andWhere({ enabled: options.enabled });
  const page = newestFirst(query, options.cursor).limit(options.limit + 1);
  // The SQL depends only on which filters are set (values are bound): one statement name per shape.
  const shape = `${options.triggerType ? 't' : ''}${options.enabled !== undefined ? 'e' : ''}${options.cursor ? 'c' : ''}`;
  return db
    .select(
      'g.*',
      'last_run.id as last_run_id',
      'last_run.status as last_run_status',
      'last_run.created_at as last_run_created_at',
      'last_run.finished_at as last_run_finished_at'
    )
    .from(page.as('g'))
    .joinRaw(
      `LEFT JOIN LATERAL (
         SELECT id, status, created_at, finished_at FROM runs
         WHERE runs.owner_id = ? AND runs.genie_id = g.id AND runs.eval_id IS NULL
         ORDER BY created_at DESC, id DESC LIMIT 1
       ) AS last_run ON true`,
      [ownerId]
    )
    .orderBy([
      { column: 'g.created_at', order: 'desc' },
      { column: 'g.id', order: 'desc' },
    ])
    .options({ name: `genies-list-${shape}`, types: ISO_TIMESTAMPS });
}

/**
 * Updates a genie and bumps its version, keeping the new version (call inside a transaction). Every
 * update is a version, even one that changes nothing, so a run's `genie_version` names one state.
 */
export async function updateGenie(
  db: Queryable,
  ownerId: string,
  id: string,
  spec: Partial<GenieSpec>,
  secrets: GenieSecrets = {}
): Promise<GenieRow | undefined> {
  const [row] = await db<GenieRow>('genies')
    .where({ owner_id: ownerId, id })
    .update({ ...toColumns(spec), ...secrets, version: db.raw('version + 1'), updated_at: db.fn.now() })
    .returning('*');
  if (row) await keepVersion(db, row);
  return row;
}

/** Replaces only the webhook signing secret (not a new version: the secret is not part of the spec). */
export async function setWebhookSecret(
  db: Queryable,
  ownerId: string,
  id: string,
  sealed: string | null
): Promise<GenieRow | undefined> {
  const [row] = await db<GenieRow>('genies')
    .where({ owner_id: ownerId, id })
    .update({ webhook_secret_sealed: sealed, updated_at: db.fn.now() })
    .returning('*');
  return row;
}

/**
 * Rotates the webhook signing secret: the current one becomes the previous, which keeps signing
 * until `previousHours` from now (database time), and `sealed` is the current one. A previous
 * secret from an earlier rotation is dropped.
 */
export async function rotateWebhookSecret(
  db: Queryable,
  ownerId: string,
  id: string,
  sealed: string,
  previousHours: number
): Promise<GenieRow | undefined> {
  const [row] = await db<GenieRow>('genies')
    .where({ owner_id: ownerId, id })
    .update({
      webhook_previous_secret_sealed: db.raw('webhook_secret_sealed'),
      webhook_previous_secret_expires_at: db.raw(`now() + make_interval(hours => ?)`, [previousHours]),
      webhook_secret_sealed: sealed,
      updated_at: db.fn.now(),
    })
    .returning('*');
  return row;
}

/** Forgets the genie's webhook signing secrets, the current and the previous (its webhook is gone). */
export async function forgetWebhookSecrets(db: Queryable, ownerId: string, id: string): Promise<void> {
  await db('genies').where({ owner_id: ownerId, id }).update({
    webhook_secret_sealed: null,
    webhook_previous_secret_sealed: null,
    webhook_previous_secret_expires_at: null,
    updated_at: db.fn.now(),
  });
}

/**
 * The sealed secrets a webhook delivery is signed with: the current one, and the previous while it
 * has not expired (by database time, the clock its expiry was set by). Undefined: no such genie.
 */
export async function findWebhookSigningSecrets(
  db: Queryable,
  ownerId: string,
  id: string
): Promise<{ current: string | null; previous: string | null } | undefined> {
  return db('genies')
    .where({ owner_id: ownerId, id })
    .first(
      { current: 'webhook_secret_sealed' },
      db.raw('CASE WHEN webhook_previous_secret_expires_at > now() THEN webhook_previous_secret_sealed END AS previous')
    );
}

/** Deletes the genie; its runs, steps and transcript go with it (ON DELETE CASCADE). */
/**
 * Deletes the genie (its runs, versions and memory go with it by cascade) and takes it off the
 * owner's other genies' `delegates`, in one statement.
 */
export async function deleteGenie(db: Queryable, ownerId: string, id: string): Promise<boolean> {
  const { rows } = await db.raw<{ rows: Array<{ id: string }> }>(
    `WITH gone AS (DELETE FROM genies WHERE owner_id = :ownerId AND id = :id RETURNING id),
          unlisted AS (
            UPDATE genies SET delegates = delegates - :id::text
             WHERE owner_id = :ownerId AND delegates @> jsonb_build_array(:id::text) AND EXISTS (SELECT 1 FROM gone)
          )
     SELECT id FROM gone`,
    { ownerId, id }
  );
  return rows.length > 0;
}

/**
 * Every enabled-or-not scheduled genie of every owner: for the schedule reconciler, an operator
 * task that by nature spans tenants (nothing it returns reaches an API caller).
 */
export async function listAllScheduledGenies(db: Queryable): Promise<GenieRow[]> {
  return db<GenieRow>('genies').where({ trigger_type: 'schedule' }).whereNotNull('schedule');
}

/** The owner's enabled event genies subscribed to `eventType`. */
export async function listEventGenies(db: Queryable, ownerId: string, eventType: string): Promise<GenieRow[]> {
  return db<GenieRow>('genies')
    .where({ owner_id: ownerId, trigger_type: 'event', enabled: true })
    .whereRaw('event_types @> ?::jsonb', [JSON.stringify([eventType])])
    .orderBy('created_at');
}

/** The owner's genies whose `credential_refs` or MCP servers name this credential (locked, inside a transaction). */
export async function listGeniesNamingCredential(db: Queryable, ownerId: string, name: string): Promise<GenieRow[]> {
  return db<GenieRow>('genies')
    .where({ owner_id: ownerId })
    .whereRaw('(credential_refs @> ?::jsonb OR mcp_servers @> ?::jsonb)', [
      JSON.stringify([name]),
      JSON.stringify([{ credential: name }]),
    ])
    .orderBy('created_at')
    .forUpdate();
}

/**
 * Every genie's sealed webhook secret, for key rotation: an operator task that by nature spans
 * tenants (nothing it returns reaches an API caller).
 */
export async function listAllWebhookSecretsForRotation(
  db: Queryable
): Promise<Array<{ id: string; owner_id: string; name: string; sealed: string }>> {
  return db('genies')
    .whereNotNull('webhook_secret_sealed')
    .select('id', 'owner_id', 'name', { sealed: 'webhook_secret_sealed' })
    .orderBy('id');
}

/**
 * Every unexpired previous webhook secret (still signing after a rotation), for key rotation, like
 * `listAllWebhookSecretsForRotation`. An expired one is never opened again.
 */
export async function listAllPreviousWebhookSecretsForRotation(
  db: Queryable
): Promise<Array<{ id: string; owner_id: string; name: string; sealed: string }>> {
  return db('genies')
    .whereNotNull('webhook_previous_secret_sealed')
    .where('webhook_previous_secret_expires_at', '>', db.fn.now())
    .select('id', 'owner_id', 'name', { sealed: 'webhook_previous_secret_sealed' })
    .orderBy('id');
}

/** Re-seals the previous webhook secret in place (key rotation); its expiry stays. */
export async function setPreviousWebhookSecret(
  db: Queryable,
  ownerId: string,
  id: string,
  sealed: string
): Promise<void> {
  await db('genies')
    .where({ owner_id: ownerId, id })
    .whereNotNull('webhook_previous_secret_sealed')
    .update({ webhook_previous_secret_sealed: sealed });
}
