// Tools from Model Context Protocol servers: how a genie names a server, how the model sees each of
// its tools, and which calls wait for the owner. Pure: safe in workflows/ and in the API alike.

export const MCP_SERVER_NAME_PATTERN = /^[a-z][a-z0-9_]{0,19}$/;
export const MAX_MCP_SERVERS = 10;

/** Which calls of a server's tools wait for the owner's approval. */
export const MCP_APPROVAL_POLICIES = ['never', 'writes', 'always'] as const;
export type McpApprovalPolicy = (typeof MCP_APPROVAL_POLICIES)[number];
export const MCP_APPROVAL_DEFAULT: McpApprovalPolicy = 'writes';

/** What each approval policy means, for the console and the docs. */
export const MCP_APPROVAL_SUMMARY: Record<McpApprovalPolicy, string> = {
  never: 'no call waits',
  writes: 'a call waits unless the server marks the tool read-only',
  always: 'every call waits',
};

/** One MCP server of a genie, as stored. */
export interface McpServerConfig {
  name: string;
  url: string;
  /** One of the owner's credentials, sent on every request to the server. */
  credential?: string | null;
  /** The server's tools the genie may use (by the server's names); absent: all it lists. */
  allowed_tools?: string[];
  approval: McpApprovalPolicy;
}

/** One tool of an MCP server as a run offers it to the model (listed once, when the run starts). */
export interface McpToolEntry {
  /** The model-facing name: `mcp__<server>__<tool>`. */
  name: string;
  server: string;
  /** The tool's own name on its server. */
  tool: string;
  description: string;
  input_schema: Record<string, unknown>;
  /** The server says the tool changes nothing (`annotations.readOnlyHint`). */
  read_only: boolean;
}

/** Why a run goes on without something it was set up with (a server it could not list). */
export interface RunWarning {
  type: 'mcp_unavailable';
  server: string;
  message: string;
}

const MCP_PREFIX = 'mcp__';
/** The Messages API's limit on a tool name, and the characters it takes. */
const TOOL_NAME_MAX = 64;
const TOOL_NAME_CHARS = /^[A-Za-z0-9_-]+$/;

/** A short, stable hash of a name (FNV-1a, 8 hex digits). */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * The name the model sees for a server's tool: `mcp__<server>__<tool>`. A name over 64 characters,
 * or with characters a tool name may not hold, is cut (and cleaned) and ends in a short hash of the
 * whole name, so two tools never share one.
 */
export function mcpToolName(server: string, tool: string): string {
  const full = `${MCP_PREFIX}${server}__${tool}`;
  if (full.length <= TOOL_NAME_MAX && TOOL_NAME_CHARS.test(full)) return full;
  const suffix = `_${shortHash(full)}`;
  return full.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, TOOL_NAME_MAX - suffix.length) + suffix;
}

export const isMcpToolName = (name: string): boolean => name.startsWith(MCP_PREFIX);

/** An `approval_required` entry naming an MCP tool by its model-facing name. */
export const MCP_APPROVAL_RULE_SOURCE = `${MCP_PREFIX}[a-z][a-z0-9_]{0,19}__[A-Za-z0-9_-]{1,64}`;

/** Does a call of this tool wait for the owner under its server's policy? */
export function mcpPolicyGates(policy: McpApprovalPolicy, readOnly: boolean): boolean {
  return policy === 'always' || (policy === 'writes' && !readOnly);
}

/** The tools of a listing the genie may use: those its allow-list names (all when it has none). */
export function allowedMcpTools<T extends { name: string }>(
  server: Pick<McpServerConfig, 'allowed_tools'>,
  tools: T[]
): T[] {
  return server.allowed_tools ? tools.filter((tool) => server.allowed_tools!.includes(tool.name)) : tools;
}

/** The idempotency key every attempt of one MCP tool call carries in `params._meta`. */
export const MCP_IDEMPOTENCY_META = 'io.worker-genies/idempotency-key';
