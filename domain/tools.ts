// The tool catalogue: the names a genie may list in `tools` and the model may call. Pure: safe in
// workflows/. Each name has its implementation in activities/tools/ and its activity options in the
// Temporal contract.

export const TOOL_NAMES = ['web_fetch', 'memory_read', 'memory_write', 'query_data', 'notify_owner'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Each tool in a line, for its owner (the model reads the longer descriptions in activities/tools/). */
export const TOOL_SUMMARY: Record<ToolName, string> = {
  web_fetch: 'HTTP requests, with your stored credentials injected',
  memory_read: 'read what it remembered in earlier runs',
  memory_write: 'remember things for later runs',
  query_data: 'read your business tables (leads, calls, …)',
  notify_owner: 'tell you, on the dashboard or by email',
};

export const isToolName = (name: string): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name);
