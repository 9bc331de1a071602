// The public shapes of the API's objects: no owner ids, no secrets, ISO timestamps.
import { toPage } from '../db/pagination';
import type { ApiKeyRow } from '../db/repositories/api-keys';
import type { CredentialRow } from '../db/repositories/credentials';
import type { GenieRow } from '../db/repositories/genies';
import type { MemoryRow } from '../db/repositories/memory';
import type { NotificationRow } from '../db/repositories/notifications';
import type { RunStepRow } from '../db/repositories/run-records';
import type { RunRow } from '../db/repositories/runs';
import { usageOf } from '../domain/runs';
import type { Genie } from '../domain/schemas/genie';

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** A page of `limit + 1` fetched rows, presented: `{items, next_cursor?}`. */
export function page<T extends { id: string; created_at: Date }, P>(rows: T[], limit: number, present: (row: T) => P) {
  const { items, nextCursor } = toPage(rows, limit);
  return { items: items.map(present), ...(nextCursor ? { next_cursor: nextCursor } : {}) };
}

export function presentGenie(row: GenieRow): Genie {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    soul_prompt: row.soul_prompt,
    trigger_type: row.trigger_type,
    schedule: row.schedule,
    event_types: row.event_types,
    credential_refs: row.credential_refs,
    tools: row.tools,
    model: row.model,
    max_turns: row.max_turns,
    max_tokens_per_run: row.max_tokens_per_run,
    max_concurrent_runs: row.max_concurrent_runs,
    enabled: row.enabled,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Where a run's workflow is in the Temporal UI. */
export interface RunLinks {
  temporalUiUrl: string;
  namespace: string;
}

export function presentRun(row: RunRow, links: RunLinks) {
  return {
    id: row.id,
    genie_id: row.genie_id,
    workflow_id: row.workflow_id,
    temporal_ui_url: `${links.temporalUiUrl}/namespaces/${encodeURIComponent(links.namespace)}/workflows/${encodeURIComponent(row.workflow_id)}`,
    trigger_type: row.trigger_type,
    status: row.status,
    input: row.input,
    output: row.output,
    error: row.error,
    turns: row.turns,
    usage: usageOf(row),
    scheduled_at: iso(row.scheduled_at),
    created_at: row.created_at.toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    duration_ms: row.started_at && row.finished_at ? row.finished_at.getTime() - row.started_at.getTime() : null,
  };
}

/** A step of a run; `seq` is its 1-based place in the run. */
export function presentStep(step: RunStepRow) {
  return {
    seq: step.seq,
    kind: step.kind,
    turn: step.turn,
    ...(step.kind === 'tool' ? { tool: step.tool, tool_use_id: step.tool_use_id } : {}),
    input: step.input,
    output_preview: step.output_preview,
    is_error: step.is_error,
    ...(step.usage ? { usage: step.usage } : {}),
    started_at: step.started_at.toISOString(),
    duration_ms: step.duration_ms,
  };
}

/** A credential: never its value; a hint of at most its last 4 characters. */
export function presentCredential(row: CredentialRow) {
  return {
    id: row.id,
    name: row.name,
    credential_type: row.credential_type,
    header_name: row.header_name,
    query_param: row.query_param,
    allowed_hosts: row.allowed_hosts,
    hint: row.hint,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    last_used_at: iso(row.last_used_at),
  };
}

export function presentNotification(row: NotificationRow) {
  return {
    id: row.id,
    genie_id: row.genie_id,
    run_id: row.run_id,
    subject: row.subject,
    message: row.message,
    priority: row.priority,
    channel: row.channel,
    email_status: row.email_status,
    email_error: row.email_error,
    read: row.read_at !== null,
    read_at: iso(row.read_at),
    created_at: row.created_at.toISOString(),
  };
}

export function presentMemoryEntry(row: MemoryRow) {
  return {
    key: row.key,
    value: row.value,
    scope: row.scope,
    updated_at: row.updated_at.toISOString(),
    expires_at: iso(row.expires_at),
    written_by_run_id: row.written_by_run_id,
  };
}

/** An API key without its secret: only the lookup prefix that `hg_live_<prefix>…` starts with. */
export function presentApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    created_at: row.created_at.toISOString(),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}
