import type { GenieRow } from '../db/repositories/genies';
import type { RunRow } from '../db/repositories/runs';
import type { Genie } from '../lib/schemas/genie';

/** The public shape of a genie (CONTRACT.md §4): no owner id, ISO timestamps. */
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

export interface RunLinks {
  temporalUiUrl: string;
  namespace: string;
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** The public shape of a run (CONTRACT.md §4), with a link to it in the Temporal UI. */
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
    usage: {
      input_tokens: row.input_tokens,
      output_tokens: row.output_tokens,
      cache_read_input_tokens: row.cache_read_input_tokens,
      cache_creation_input_tokens: row.cache_creation_input_tokens,
    },
    scheduled_at: iso(row.scheduled_at),
    created_at: row.created_at.toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    duration_ms: row.started_at && row.finished_at ? row.finished_at.getTime() - row.started_at.getTime() : null,
  };
}
