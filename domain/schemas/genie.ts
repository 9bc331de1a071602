import { CronExpressionParser } from 'cron-parser';
import {
  APPROVAL_RULE_PATTERN,
  APPROVAL_TIMEOUT_DEFAULT_SECONDS,
  APPROVAL_TIMEOUT_MAX_SECONDS,
  APPROVAL_TIMEOUT_MIN_SECONDS,
} from '../approvals';
import { CRON_MACROS } from '../cron';
import { DEFAULT_WEBHOOK_EVENTS, WEBHOOK_EVENTS } from '../webhooks';
import { TRIGGER_TYPES } from '../runs';
import { MAX_MCP_SERVERS, MCP_APPROVAL_DEFAULT, MCP_APPROVAL_POLICIES, MCP_SERVER_NAME_PATTERN } from '../mcp';
import { TOOL_NAMES } from '../tools';
import { MAX_DELEGATES } from '../delegation';
import { MODEL_MODES } from '../prices';
import { CredentialNameSchema } from './credential';
import { crossFieldRules, NOT_BLANK_PATTERN, z } from './zod';

export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'allow_all', 'cancel_other'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** What each overlap policy does when a scheduled run comes while the last one is still going. */
export const OVERLAP_POLICY_SUMMARY: Record<OverlapPolicy, string> = {
  skip: 'skip this one',
  buffer_one: 'run it afterwards (one waiting at most)',
  allow_all: 'run it anyway',
  cancel_other: 'cancel the running one',
};

const MAX_TURNS_DEFAULT = 20;
const MAX_TURNS_LIMIT = 100;
const MAX_CONCURRENT_RUNS_LIMIT = 100;
const SOUL_PROMPT_MAX_CHARS = 100_000;

const cronField = (value: string) => {
  const item = `(?:\\*|${value}(?:-${value})?)(?:/[1-9]\\d?)?`;
  return `${item}(?:,${item})*`;
};
const MONTH_NAMES = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC';
const DAY_NAMES = 'SUN|MON|TUE|WED|THU|FRI|SAT';

/**
 * The shape of a schedule's `cron`: five fields with values in range (minute hour day-of-month
 * month day-of-week, with `*`, ranges, lists and steps) or a `@daily`-style macro. cron-parser then
 * checks what a pattern cannot (a range that runs backwards, the 31st of February).
 */
const CRON_PATTERN = new RegExp(
  `^(?:@(?:${Object.keys(CRON_MACROS)
    .map((m) => m.slice(1))
    .join('|')})|${[
    cronField('[0-5]?\\d'),
    cronField('(?:[01]?\\d|2[0-3])'),
    cronField('(?:0?[1-9]|[12]\\d|3[01])'),
    cronField(`(?:0?[1-9]|1[0-2]|${MONTH_NAMES})`),
    cronField(`(?:[0-7]|${DAY_NAMES})`),
  ].join(' +')})$`
);

/** Why a cron expression is not a 5-field or `@daily`-style one, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (!CRON_PATTERN.test(trimmed) && !trimmed.startsWith('@') && trimmed.split(/\s+/).length === 5) {
    return 'each field must be *, a value in range, a range, a list or a step (minute hour day-of-month month day-of-week)';
  }
  if (trimmed.startsWith('@')) {
    const macros = Object.keys(CRON_MACROS);
    return macros.includes(trimmed) ? undefined : `unknown macro; use one of ${macros.join(', ')}`;
  }
  if (trimmed.split(/\s+/).length !== 5) return 'must have 5 fields: minute hour day-of-month month day-of-week';
  try {
    CronExpressionParser.parse(trimmed);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : 'invalid cron expression';
  }
}

/** True for an IANA time zone name, spelled exactly (Temporal's zone lookup is case-sensitive). */
export function isIanaTimeZone(name: string): boolean {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return resolved === name || resolved.toLowerCase() !== name.toLowerCase();
  } catch {
    return false;
  }
}

const scheduleFields = z
  .object({
    cron: z.string().min(1).max(200).optional().openapi({ example: '0 9 * * 1-5', pattern: CRON_PATTERN.source }),
    interval_seconds: z
      .number()
      .int()
      .min(1)
      .max(366 * 86_400)
      .optional()
      .openapi({ example: 3600 }),
    timezone: z
      .string()
      .refine(isIanaTimeZone, 'must be an IANA time zone such as "Europe/Berlin" or "UTC"')
      .optional()
      .openapi({
        example: 'Europe/Berlin',
        description: 'IANA time zone for cron; default UTC',
        enum: [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])],
      }),
    overlap: z
      .enum(OVERLAP_POLICIES)
      .optional()
      .openapi({ description: 'what to do when a run is still going; default skip' }),
    paused: z.boolean().optional(),
  })
  .strict();

function checkSchedule(schedule: z.infer<typeof scheduleFields>, ctx: z.RefinementCtx, complete: boolean): void {
  const hasCron = schedule.cron !== undefined;
  const hasInterval = schedule.interval_seconds !== undefined;
  if ((hasCron && hasInterval) || (complete && !hasCron && !hasInterval)) {
    ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give exactly one of cron or interval_seconds' });
  }
  const problem = schedule.cron === undefined ? undefined : cronProblem(schedule.cron);
  if (problem) ctx.addIssue({ code: 'custom', path: ['cron'], message: `invalid cron: ${problem}` });
}

/** A complete schedule: exactly one of `cron` or `interval_seconds`. */
export const ScheduleSchema = scheduleFields
  .superRefine((schedule, ctx) => checkSchedule(schedule, ctx, true))
  // Genies hold `schedule: Schedule | null`, and the generator folds that null into this component.
  .openapi('Schedule', {
    oneOf: [
      { type: 'null' },
      { type: 'object', required: ['cron'] },
      { type: 'object', required: ['interval_seconds'] },
    ],
  });

/** A schedule in an update: any subset, merged into the genie's current schedule. */
export const SchedulePatchSchema = scheduleFields
  .superRefine((schedule, ctx) => checkSchedule(schedule, ctx, false))
  .openapi('SchedulePatch', { not: { type: 'object', required: ['cron', 'interval_seconds'] } });
export type Schedule = z.infer<typeof ScheduleSchema>;

const nameList = (what: string, pattern: RegExp, max: number) =>
  z
    .array(z.string().min(1).max(100).regex(pattern, `must match ${pattern.source}`))
    .max(max)
    .refine((items) => new Set(items).size === items.length, `${what} must not repeat`)
    .openapi({ uniqueItems: true });

/** Every writable genie field, none required: the base of create and update. */
/**
 * An absolute http(s) URL as RFC 3986 spells it: a host (name, IPv4 or [IPv6]), an optional port,
 * then only URI characters or %-escapes. Stricter than WHATWG parsing, which would take
 * `https:///x` or raw non-ASCII and quietly rewrite it.
 */
const URI_CHAR = "(?:[A-Za-z0-9\\-._~:/?#\\[\\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})";
const WEBHOOK_URL_PATTERN = new RegExp(
  `^https?://(?:[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?(?:[/?#]${URI_CHAR}*)?$`
);

/** One MCP server of a genie: where it is, the credential it gets, the tools allowed, which calls wait. */
export const McpServerSchema = z
  .object({
    name: z
      .string()
      .regex(MCP_SERVER_NAME_PATTERN, 'must be 1 to 20 lower-case letters, digits or _, starting with a letter')
      .openapi({ example: 'linear', description: 'the model sees its tools as mcp__<name>__<tool>' }),
    url: z
      .string()
      .max(2000)
      .url()
      .regex(WEBHOOK_URL_PATTERN, 'must be an http or https URL with a host, in plain ASCII (percent-encode the rest)')
      .openapi({
        format: 'uri',
        example: 'https://mcp.example.com/mcp',
        description: 'a Model Context Protocol server (Streamable HTTP); public addresses only',
      }),
    credential: CredentialNameSchema.nullable()
      .optional()
      .openapi({ description: 'one of your credentials, sent on every request; its allowed_hosts must name the host' }),
    allowed_tools: z
      .array(z.string().min(1).max(200))
      .max(200)
      .refine((items) => new Set(items).size === items.length, 'allowed_tools must not repeat')
      .optional()
      .openapi({ uniqueItems: true, description: 'the server’s tools the genie may use; absent: all it lists' }),
    approval: z.enum(MCP_APPROVAL_POLICIES).default(MCP_APPROVAL_DEFAULT).openapi({
      description: 'never; writes (default: a call waits unless the server marks the tool readOnlyHint); always',
    }),
  })
  .strict()
  .openapi('McpServer');

/** What inspect-mcp-server takes: the server's URL and, optionally, the credential to send it. */
export const McpInspectRequestSchema = z
  .object({
    url: McpServerSchema.shape.url,
    credential: CredentialNameSchema.nullable().optional().openapi({ description: 'one of your credentials' }),
  })
  .strict()
  .openapi('McpInspectRequest');

/** Claude's server-side tools a genie may turn on. */
const SERVER_TOOLS = ['web_search'] as const;

const domainList = z
  .array(
    z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.*-]+(\/[^\s]*)?$/, 'must be a domain, e.g. example.com')
  )
  .max(100);

/** web_search's options: the domains it may (or may not) search, and how many searches a call may make. */
const WebSearchSchema = z
  .object({
    allowed_domains: domainList.optional(),
    blocked_domains: domainList.optional(),
    max_uses: z.number().int().min(1).max(50).optional(),
  })
  .strict()
  .refine((options) => !(options.allowed_domains && options.blocked_domains), {
    message: 'give allowed_domains or blocked_domains, not both',
    path: ['blocked_domains'],
  });

/** A monthly budget in USD (a genie's, or an account's); null: none. */
export const MonthlyBudgetSchema = z
  .number()
  .min(0.000001, 'must be more than $0 (null for no budget)')
  .max(1_000_000_000, 'must be at most $1,000,000,000')
  .nullable();

const genieFields = {
  name: z.string().trim().min(1).max(200).openapi({ example: 'Daily lead digest', pattern: NOT_BLANK_PATTERN }),
  description: z.string().max(2000),
  soul_prompt: z.string().trim().min(1).max(SOUL_PROMPT_MAX_CHARS).openapi({
    pattern: NOT_BLANK_PATTERN,
    example: 'You review yesterday’s new leads and email me the three most promising.',
  }),
  trigger_type: z.enum(TRIGGER_TYPES),
  schedule: ScheduleSchema.nullable(),
  event_types: nameList('event_types', /^[A-Za-z0-9_.:\-/]+$/, 50),
  credential_refs: nameList('credential_refs', /^[A-Za-z0-9_.-]+$/, 50),
  tools: z
    .array(z.enum(TOOL_NAMES))
    .refine((items) => new Set(items).size === items.length, 'tools must not repeat')
    .openapi({ uniqueItems: true }),
  model: z.string().min(1).max(100).nullable().openapi({ description: 'Claude model id; null uses GENIE_MODEL' }),
  max_turns: z.number().int().min(1).max(MAX_TURNS_LIMIT),
  max_tokens_per_run: z.number().int().min(1).max(100_000_000).nullable(),
  max_cost_per_run_usd: z.number().min(0.000001).max(1_000_000).nullable().openapi({
    description: 'USD: once a run’s model calls cost this much, it makes no further call and fails (budget_exceeded)',
  }),
  monthly_budget_usd: MonthlyBudgetSchema.openapi({
    description:
      'USD per UTC month for all this genie’s runs: once spent, its runs wait (waiting_budget) before their next model call until the budget is raised or the month ends',
  }),
  model_mode: z.enum(MODEL_MODES).openapi({
    description:
      'realtime: the Messages API; batch: every model call through the Message Batches API (cheaper, slower)',
  }),
  thinking_budget_tokens: z.number().int().min(1024).max(100_000).nullable().openapi({
    description: 'Claude’s extended thinking on every model call, with this many tokens to think (null: off)',
  }),
  server_tools: z
    .array(z.enum(SERVER_TOOLS))
    .refine((items) => new Set(items).size === items.length, 'server_tools must not repeat')
    .openapi({ uniqueItems: true, description: 'Claude’s server-side tools: web_search' }),
  web_search: WebSearchSchema.nullable().openapi({ description: 'options of web_search (with server_tools)' }),
  delegates: z
    .array(z.string().uuid('must be the id of one of your genies'))
    .max(MAX_DELEGATES)
    .refine((items) => new Set(items).size === items.length, 'delegates must not repeat')
    .openapi({
      uniqueItems: true,
      description: `Ids of your genies this one may ask to do tasks (the ask_genie tool; at most ${MAX_DELEGATES})`,
    }),
  max_concurrent_runs: z.number().int().min(1).max(MAX_CONCURRENT_RUNS_LIMIT),
  enabled: z.boolean(),
  approval_required: z
    .array(
      z
        .string()
        .regex(
          APPROVAL_RULE_PATTERN,
          'must be a tool name, web_fetch:<METHOD> (GET POST PUT PATCH DELETE HEAD), or mcp__<server>__<tool>'
        )
    )
    .max(20)
    .refine((items) => new Set(items).size === items.length, 'approval_required must not repeat')
    .openapi({
      uniqueItems: true,
      description: 'Tool calls that wait for your approval: tool names, or web_fetch:<METHOD> for one method',
      example: ['notify_owner', 'web_fetch:POST'],
    }),
  approval_timeout_seconds: z
    .number()
    .int()
    .min(APPROVAL_TIMEOUT_MIN_SECONDS)
    .max(APPROVAL_TIMEOUT_MAX_SECONDS)
    .openapi({ description: 'An approval not decided by then expires (a denial)' }),
  webhook_url: z
    .string()
    .max(2000)
    .url()
    .regex(WEBHOOK_URL_PATTERN, 'must be an http or https URL with a host, in plain ASCII (percent-encode the rest)')
    .nullable()
    .openapi({ format: 'uri', description: 'Where run events are POSTed (signed; public addresses only)' }),
  webhook_events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .refine((items) => new Set(items).size === items.length, 'webhook_events must not repeat')
    .openapi({ uniqueItems: true }),
  mcp_servers: z
    .array(McpServerSchema)
    .max(MAX_MCP_SERVERS)
    .superRefine((servers, ctx) => {
      const seen = new Set<string>();
      servers.forEach((server, index) => {
        if (seen.has(server.name)) {
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${server.name}" is used twice` });
        }
        seen.add(server.name);
      });
    })
    .openapi({ description: 'Tools from Model Context Protocol servers (at most 10, names unique)' }),
};

export const GenieCreateSchema = z
  .object({
    ...genieFields,
    description: genieFields.description.default(''),
    trigger_type: genieFields.trigger_type.default('manual'),
    schedule: genieFields.schedule.default(null),
    event_types: genieFields.event_types.default([]),
    credential_refs: genieFields.credential_refs.default([]),
    tools: genieFields.tools.default([...TOOL_NAMES]),
    model: genieFields.model.default(null),
    max_turns: genieFields.max_turns.default(MAX_TURNS_DEFAULT),
    max_tokens_per_run: genieFields.max_tokens_per_run.default(null),
    max_cost_per_run_usd: genieFields.max_cost_per_run_usd.default(null),
    monthly_budget_usd: genieFields.monthly_budget_usd.default(null),
    model_mode: genieFields.model_mode.default('realtime'),
    thinking_budget_tokens: genieFields.thinking_budget_tokens.default(null),
    server_tools: genieFields.server_tools.default([]),
    web_search: genieFields.web_search.default(null),
    delegates: genieFields.delegates.default([]),
    max_concurrent_runs: genieFields.max_concurrent_runs.default(1),
    enabled: genieFields.enabled.default(true),
    approval_required: genieFields.approval_required.default([]),
    approval_timeout_seconds: genieFields.approval_timeout_seconds.default(APPROVAL_TIMEOUT_DEFAULT_SECONDS),
    webhook_url: genieFields.webhook_url.default(null),
    webhook_events: genieFields.webhook_events.default([...DEFAULT_WEBHOOK_EVENTS]),
    mcp_servers: genieFields.mcp_servers.default([]),
  })
  .strict()
  .openapi(
    'GenieCreate',
    // The trigger rules genieConsistencyProblems checks, as JSON Schema (trigger_type defaults to manual).
    crossFieldRules([
      {
        if: { required: ['trigger_type'], properties: { trigger_type: { const: 'schedule' } } },
        then: { required: ['schedule'], properties: { schedule: { type: 'object' } } },
        else: { properties: { schedule: { type: 'null' } } },
      },
      {
        if: { required: ['trigger_type'], properties: { trigger_type: { const: 'event' } } },
        else: { properties: { event_types: { maxItems: 0 } } },
      },
    ])
  );
export type GenieCreate = z.infer<typeof GenieCreateSchema>;
/** A genie's writable state, complete. */
export type GenieSpec = GenieCreate;

/**
 * Rules an update breaks on its own, whatever the genie is now (a 400); a patch that only clashes
 * with the genie's current state (a schedule for a manual genie) is a conflict instead (409).
 */
function checkPatch(
  patch: { trigger_type?: string; schedule?: unknown; event_types?: string[] },
  ctx: z.RefinementCtx
) {
  if (patch.trigger_type === 'schedule' && !patch.schedule) {
    ctx.addIssue({
      code: 'custom',
      path: ['schedule'],
      message: 'required (with cron or interval_seconds) when trigger_type becomes "schedule"',
    });
  }
  if (patch.trigger_type && patch.trigger_type !== 'schedule' && patch.schedule) {
    ctx.addIssue({
      code: 'custom',
      path: ['schedule'],
      message: `not allowed with trigger_type "${patch.trigger_type}"`,
    });
  }
  if (patch.trigger_type && patch.trigger_type !== 'event' && patch.event_types?.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['event_types'],
      message: `not allowed with trigger_type "${patch.trigger_type}"`,
    });
  }
}

export const GenieUpdateSchema = z
  .object({ ...genieFields, schedule: SchedulePatchSchema.nullable() })
  .partial()
  .strict()
  .superRefine(checkPatch)
  .openapi(
    'GenieUpdate',
    crossFieldRules(
      [
        {
          if: { required: ['trigger_type'], properties: { trigger_type: { const: 'schedule' } } },
          then: { required: ['schedule'], properties: { schedule: { type: 'object' } } },
        },
        {
          if: { required: ['trigger_type'], properties: { trigger_type: { enum: ['manual', 'event'] } } },
          then: { properties: { schedule: { type: 'null' } } },
        },
        {
          if: { required: ['trigger_type'], properties: { trigger_type: { enum: ['manual', 'schedule'] } } },
          then: { properties: { event_types: { maxItems: 0 } } },
        },
      ],
      { description: 'Any subset of the genie fields; `schedule` merges into the current one.' }
    )
  );
export type GenieUpdate = z.infer<typeof GenieUpdateSchema>;
export type SchedulePatch = z.infer<typeof SchedulePatchSchema>;

export interface FieldProblem {
  field: string;
  message: string;
}

/** Rules that span fields, checked on the complete genie after create defaults or an update merge. */
export function genieConsistencyProblems(genie: GenieSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (genie.trigger_type === 'schedule' && !genie.schedule) {
    problems.push({ field: 'schedule', message: 'required when trigger_type is "schedule"' });
  }
  if (genie.schedule) {
    const result = ScheduleSchema.safeParse(genie.schedule);
    for (const issue of result.error?.issues ?? []) {
      problems.push({ field: ['schedule', ...issue.path].join('.'), message: issue.message });
    }
  }
  if (genie.trigger_type !== 'schedule' && genie.schedule) {
    problems.push({ field: 'schedule', message: 'only allowed when trigger_type is "schedule"' });
  }
  if (genie.trigger_type !== 'event' && genie.event_types.length > 0) {
    problems.push({ field: 'event_types', message: 'only allowed when trigger_type is "event"' });
  }
  return problems;
}

/** The schedule with its defaults spelled out: UTC, overlap `skip`, not paused. */
export function withScheduleDefaults(schedule: Schedule): Schedule {
  return { timezone: 'UTC', overlap: 'skip', paused: false, ...schedule };
}

/** Defaults filled in: the genie as it is stored. */
export function normalizeGenie(genie: GenieSpec): GenieSpec {
  return { ...genie, schedule: genie.schedule ? withScheduleDefaults(genie.schedule) : null };
}

/**
 * The genie after applying `patch` to `current`. Leaving a trigger type drops what only it used
 * (schedule, event_types) unless the patch sets them; a partial `schedule` merges into the current
 * one, and giving `cron` replaces `interval_seconds` (and the other way round).
 */
export function mergeGenieUpdate(current: GenieSpec, patch: GenieUpdate): GenieSpec {
  const next: GenieSpec = { ...current };
  for (const [key, value] of Object.entries(patch) as Array<[keyof GenieUpdate, unknown]>) {
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  if (patch.schedule) {
    const base: SchedulePatch = { ...current.schedule };
    if (patch.schedule.cron !== undefined) delete base.interval_seconds;
    if (patch.schedule.interval_seconds !== undefined) delete base.cron;
    // Possibly incomplete (no cron nor interval); genieConsistencyProblems says so.
    next.schedule = { ...base, ...patch.schedule };
  }
  if (patch.trigger_type && patch.trigger_type !== 'schedule' && patch.schedule === undefined) next.schedule = null;
  if (patch.trigger_type && patch.trigger_type !== 'event' && patch.event_types === undefined) next.event_types = [];
  return next;
}

export const GenieSchema = z
  .object({
    id: z.string().uuid(),
    ...GenieCreateSchema.shape,
    version: z.number().int().min(1).openapi({ description: 'Goes up by one on every update' }),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Genie');
export type Genie = z.infer<typeof GenieSchema>;
