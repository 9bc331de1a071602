// Approvals: which tool calls wait for their owner, and what an approval can be. Pure: safe in
// workflows/ and in the API alike.
import { MCP_APPROVAL_RULE_SOURCE } from './mcp';
import { TOOL_NAMES, type ToolName } from './tools';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export type ApprovalDecision = 'approved' | 'denied';

export const WEB_FETCH_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

/** Every `approval_required` entry there is: `web_fetch:<METHOD>` for one method, then each tool's name (every call). */
export const APPROVAL_RULES: readonly string[] = [
  ...WEB_FETCH_METHODS.map((method) => `web_fetch:${method}`),
  ...TOOL_NAMES,
];

/**
 * An `approval_required` entry: a tool name, `web_fetch:<METHOD>` for one method, or an MCP tool by
 * the name the model sees (`mcp__<server>__<tool>`).
 */
export const APPROVAL_RULE_PATTERN = new RegExp(
  `^(${TOOL_NAMES.join('|')})$|^web_fetch:(${WEB_FETCH_METHODS.join('|')})$|^${MCP_APPROVAL_RULE_SOURCE}$`
);

export const APPROVAL_TIMEOUT_MIN_SECONDS = 60;
export const APPROVAL_TIMEOUT_MAX_SECONDS = 604_800;
export const APPROVAL_TIMEOUT_DEFAULT_SECONDS = 86_400;

/**
 * Does this call need its owner's approval under `rules`? `web_fetch` gates every request;
 * `web_fetch:POST` only POSTs (the method the model asked for, GET when it named none).
 */
export function needsApproval(rules: readonly string[], tool: string, input: unknown): boolean {
  if (rules.includes(tool)) return true;
  if (tool !== 'web_fetch') return false;
  const method = (input as { method?: unknown } | null)?.method;
  const verb = typeof method === 'string' ? method.toUpperCase() : 'GET';
  return rules.includes(`web_fetch:${verb}`);
}

/** The tool an approval rule is about (`web_fetch:POST` → `web_fetch`). */
export const ruleTool = (rule: string): ToolName => rule.split(':')[0] as ToolName;

/** A moment as people read it in an email or on the link page: `2026-11-29 20:11 UTC`. */
export const utcMinute = (at: Date | string): string =>
  new Date(at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
