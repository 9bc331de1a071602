// GET /v1/catalogue: the server's catalogues, so clients (the console) build their forms and labels
// from what this server offers instead of copies of it.
import { APPROVAL_RULES, ruleTool, WEB_FETCH_METHODS } from '../../domain/approvals';
import { MCP_APPROVAL_POLICIES, MCP_APPROVAL_SUMMARY } from '../../domain/mcp';
import { PHASE_LABEL, RUN_PHASES } from '../../domain/runs';
import {
  GenieCreateSchema,
  OVERLAP_POLICIES,
  OVERLAP_POLICY_SUMMARY,
  withScheduleDefaults,
} from '../../domain/schemas/genie';
import { z } from '../../domain/schemas/zod';
import { TOOL_NAMES, TOOL_SUMMARY } from '../../domain/tools';
import { WEBHOOK_EVENTS } from '../../domain/webhooks';
import * as R from '../openapi/responses';
import { endpoint } from './define';

/** A field's schema without its default, nullability or optionality. */
function bare(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodNullable || inner instanceof z.ZodOptional) {
    inner = inner.unwrap() as z.ZodType;
  }
  return inner;
}

/** The bounds GenieCreate puts on each field: numbers' min and max, text's max_length. */
function genieLimits(): Record<string, { min?: number; max?: number; max_length?: number }> {
  const limits: Record<string, { min?: number; max?: number; max_length?: number }> = {};
  for (const [field, schema] of Object.entries(GenieCreateSchema.shape)) {
    const inner = bare(schema as z.ZodType);
    if (inner instanceof z.ZodNumber) {
      limits[field] = { min: inner.minValue ?? undefined, max: inner.maxValue ?? undefined };
    } else if (inner instanceof z.ZodString && inner.maxLength !== null) {
      limits[field] = { max_length: inner.maxLength };
    }
  }
  return limits;
}

type Catalogue = z.infer<typeof R.CatalogueSchema>;

function buildCatalogue(): Catalogue {
  // A genie given only its required fields: every other field is its default.
  const {
    name: _name,
    soul_prompt: _soulPrompt,
    ...genieDefaults
  } = GenieCreateSchema.parse({
    name: 'catalogue',
    soul_prompt: 'catalogue',
  });
  return {
    tools: TOOL_NAMES.map((name) => ({ name, summary: TOOL_SUMMARY[name] })),
    approval_gates: APPROVAL_RULES.map((rule) => {
      const method = rule.split(':')[1];
      return {
        rule,
        tool: ruleTool(rule),
        method: WEB_FETCH_METHODS.find((m) => m === method) ?? null,
      };
    }),
    webhook_events: [...WEBHOOK_EVENTS],
    schedule_overlap: OVERLAP_POLICIES.map((name) => ({ name, summary: OVERLAP_POLICY_SUMMARY[name] })),
    mcp_approval: MCP_APPROVAL_POLICIES.map((name) => ({ name, summary: MCP_APPROVAL_SUMMARY[name] })),
    schedule_defaults: withScheduleDefaults({}),
    genie_defaults: genieDefaults,
    genie_limits: genieLimits(),
    run_phases: RUN_PHASES.map((phase) => ({ phase, label: PHASE_LABEL[phase] })),
  };
}

let built: Catalogue | undefined;

/** The catalogue, built once from the domain's definitions. */
function catalogue(): Catalogue {
  built ??= buildCatalogue();
  return built;
}

export const catalogueEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/catalogue',
    operationId: 'getCatalogue',
    tag: 'Catalogue',
    summary:
      'What this server offers: tools, approval gates, webhook events, schedule options, MCP approval policies, genie defaults and limits, run phases',
    responses: { 200: { description: 'the catalogue', schema: R.ok(R.CatalogueSchema) } },
    handler: () => ({ data: catalogue() }),
  }),
];
