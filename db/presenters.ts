// The public shapes of stored objects, as the API answers them and webhooks send them: no owner
// ids, no secrets, ISO timestamps.
import { usdOf } from '../domain/prices';
import { toPage } from './pagination';
import { isoOf } from './timestamptz';
import type { ApiKeyRow } from './repositories/api-keys';
import type { ApprovalRow } from './repositories/approvals';
import type { WebhookDeliveryRow } from './repositories/webhook-deliveries';
import type { CredentialRow } from './repositories/credentials';
import type { GenieRow } from './repositories/genies';
import type { MemoryRow } from './repositories/memory';
import type { NotificationRow } from './repositories/notifications';
import type { RunStepRow } from './repositories/run-records';
import type { RunChildRow } from './repositories/run-context';
import type { RunRow } from './repositories/runs';
import { isTerminal, usageOf } from '../domain/runs';
import { sameToolSequence } from '../domain/evals';
import type { EvalCaseDetail, EvalRow } from './repositories/evals';
import { credentialWarnings } from '../domain/credentials';
import type { Genie } from '../domain/schemas/genie';

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** A page of `limit + 1` fetched rows, presented: `{items, next_cursor?}`. */
export function page<T extends { id: string; created_at: Date | string }, P>(
  rows: T[],
  limit: number,
  present: (row: T) => P
) {
  const { items, nextCursor } = toPage(rows, limit);
  return { items: items.map(present), ...(nextCursor ? { next_cursor: nextCursor } : {}) };
}

/** Micro-dollars as stored (pg gives bigint as text) in USD; null stays null (no price). */
const usdOrNull = (micro: string | number | null | undefined): number | null =>
  micro === null || micro === undefined ? null : usdOf(Number(micro));

/**
 * The stored fields a genie is presented with (a listed row carries no more than these, and its
 * times as ISO strings already).
 */
type PresentedGenieRow = Omit<
  GenieRow,
  | 'owner_id'
  | 'webhook_secret_sealed'
  | 'webhook_previous_secret_sealed'
  | 'webhook_previous_secret_expires_at'
  | 'created_at'
  | 'updated_at'
> & {
  created_at: Date | string;
  updated_at: Date | string;
};

export function presentGenie(row: PresentedGenieRow): Genie {
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
    max_cost_per_run_usd: row.max_cost_per_run_usd ?? null,
    monthly_budget_usd: row.monthly_budget_usd ?? null,
    model_mode: row.model_mode ?? 'realtime',
    thinking_budget_tokens: row.thinking_budget_tokens ?? null,
    server_tools: row.server_tools ?? [],
    web_search: row.web_search ?? null,
    delegates: row.delegates ?? [],
    max_concurrent_runs: row.max_concurrent_runs,
    enabled: row.enabled,
    approval_required: row.approval_required,
    approval_timeout_seconds: row.approval_timeout_seconds,
    webhook_url: row.webhook_url,
    webhook_events: row.webhook_events,
    mcp_servers: row.mcp_servers ?? [],
    version: row.version,
    created_at: isoOf(row.created_at),
    updated_at: isoOf(row.updated_at),
  };
}

/**
 * What a run ran with: its genie's version, soul prompt, tools, model, limits and approval rules
 * (from that version, so an old run stays explainable after the genie changes).
 */
export function presentGenieConfig(genie: GenieRow) {
  return {
    version: genie.version,
    name: genie.name,
    soul_prompt: genie.soul_prompt,
    tools: genie.tools,
    model: genie.model,
    max_turns: genie.max_turns,
    max_tokens_per_run: genie.max_tokens_per_run,
    max_cost_per_run_usd: genie.max_cost_per_run_usd ?? null,
    model_mode: genie.model_mode ?? 'realtime',
    thinking_budget_tokens: genie.thinking_budget_tokens ?? null,
    server_tools: genie.server_tools ?? [],
    delegates: genie.delegates ?? [],
    credential_refs: genie.credential_refs,
    approval_required: genie.approval_required ?? [],
    approval_timeout_seconds: genie.approval_timeout_seconds,
    mcp_servers: genie.mcp_servers ?? [],
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
    genie_version: row.genie_version,
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
    warnings: row.warnings ?? [],
    cost_usd: usdOrNull(row.cost_micro_usd),
    parent_run_id: row.parent_run_id ?? null,
    ...(row.eval_id ? { eval_id: row.eval_id, baseline_run_id: row.baseline_run_id ?? undefined } : {}),
  };
}

/** A run another run asked for (ask_genie), as its parent's detail lists it. */
export function presentRunChild(child: RunChildRow) {
  return {
    run_id: child.id,
    genie_id: child.genie_id,
    status: child.status,
    cost_usd: usdOrNull(child.cost_micro_usd),
  };
}

/** A model step's preview of what Claude thought first (extended thinking), if it did. */
const thinkingPreviewOf = (step: RunStepRow): string | undefined => {
  const value = (step.result as { thinking_preview?: unknown } | null)?.thinking_preview;
  return step.kind === 'model' && typeof value === 'string' ? value : undefined;
};

/** A step of a run; `seq` is its 1-based place in the run. */
export function presentStep(step: RunStepRow) {
  return {
    seq: step.seq,
    kind: step.kind,
    turn: step.turn,
    ...(step.kind !== 'model' ? { tool: step.tool, tool_use_id: step.tool_use_id } : {}),
    input: step.input,
    output_preview: step.output_preview,
    is_error: step.is_error,
    ...(step.usage ? { usage: step.usage } : {}),
    ...(step.kind === 'model' ? { cost_usd: usdOrNull(step.cost_micro_usd) } : {}),
    ...(thinkingPreviewOf(step) ? { thinking_preview: thinkingPreviewOf(step) } : {}),
    started_at: step.started_at.toISOString(),
    duration_ms: step.duration_ms,
    ...(step.source ? { source: step.source } : {}),
  };
}

/** A credential: never its value; a hint of at most its last 4 characters. */
export function presentCredential(row: CredentialRow) {
  return {
    id: row.id,
    name: row.name,
    credential_type: row.credential_type,
    status: row.status,
    header_name: row.header_name,
    query_param: row.query_param,
    allowed_hosts: row.allowed_hosts,
    ...(row.allowed_hosts.length === 0 ? { warnings: credentialWarnings(row) } : {}),
    hint: row.hint,
    // Where and as whom an oauth2 credential refreshes (never its secrets or tokens).
    ...(row.credential_type === 'oauth2'
      ? { token_url: row.token_url ?? '', client_id: row.client_id ?? '', scope: row.scope }
      : {}),
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
    approval_id: row.approval_id,
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

/** An approval: what the genie wants to do, and what became of it. */
export function presentApproval(row: ApprovalRow) {
  return {
    id: row.id,
    run_id: row.run_id,
    genie_id: row.genie_id,
    tool: row.tool,
    tool_use_id: row.tool_use_id,
    input: row.input,
    status: row.status,
    note: row.note,
    requested_at: row.created_at.toISOString(),
    decided_at: iso(row.decided_at),
    expires_at: row.expires_at.toISOString(),
  };
}

/** How one webhook event's delivery went (never its payload or the URL's secrets). */
export function presentWebhookDelivery(row: WebhookDeliveryRow) {
  return {
    id: row.id,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    delivered_at: iso(row.delivered_at),
  };
}

/** An eval case: its run and the one it replays, side by side. */
function presentEvalCase({ case: row, run, steps, baseline, baselineSteps }: EvalCaseDetail) {
  const toolCalls = steps.map((step) => ({
    tool: step.tool ?? '',
    input: step.input,
    source: step.source ?? 'live',
    is_error: step.is_error,
  }));
  const baselineCalls = baselineSteps.map((step) => ({ tool: step.tool ?? '', input: step.input }));
  const caseCost = usdOrNull(run.cost_micro_usd);
  const judgeCost = usdOrNull(row.judge_cost_micro_usd);
  return {
    run_id: row.baseline_run_id,
    case_run_id: row.run_id,
    status: run.status,
    output: run.output,
    baseline_output: baseline?.output ?? null,
    error: run.error,
    tool_calls: toolCalls,
    baseline_tool_calls: baselineCalls,
    same_tool_sequence: sameToolSequence(
      toolCalls.map((c) => c.tool),
      baselineCalls.map((c) => c.tool)
    ),
    usage: usageOf(run),
    cost_usd:
      caseCost === null && judgeCost === null
        ? null
        : usdOf(microOf(run.cost_micro_usd) + microOf(row.judge_cost_micro_usd)),
    baseline_cost_usd: usdOrNull(baseline?.cost_micro_usd),
    ...(row.score !== null || row.reason !== null ? { score: row.score, reason: row.reason } : {}),
  };
}

const microOf = (micro: string | number | null | undefined): number =>
  micro === null || micro === undefined ? 0 : Number(micro);

/** An eval: the change, how it went, and (with its cases) each case side by side. */
export function presentEval(row: EvalRow, cases: EvalCaseDetail[]) {
  const presented = cases.map(presentEvalCase);
  const scores = presented.flatMap((c) => (typeof c.score === 'number' ? [c.score] : []));
  const sum = (values: Array<number | null>) =>
    usdOf(values.reduce<number>((total, v) => total + Math.round((v ?? 0) * 1_000_000), 0));
  return {
    id: row.id,
    genie_id: row.genie_id,
    genie_version: row.genie_version,
    status: row.status,
    changes: row.changes,
    rubric: row.rubric,
    cases: presented,
    summary: {
      cases: presented.length,
      finished: presented.filter((c) => isTerminal(c.status)).length,
      failed: presented.filter((c) => isTerminal(c.status) && c.status !== 'succeeded').length,
      same_tool_sequence: presented.filter((c) => c.status === 'succeeded' && c.same_tool_sequence).length,
      mean_score: scores.length ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100 : null,
      cost_usd: sum(presented.map((c) => c.cost_usd)),
      baseline_cost_usd: sum(presented.map((c) => c.baseline_cost_usd)),
    },
    error: row.error,
    created_at: row.created_at.toISOString(),
    finished_at: iso(row.finished_at),
    applied_at: iso(row.applied_at),
  };
}
