// The tool catalogue: the names a genie may list in `tools` and the model may call. Pure: safe in
// workflows/. Each name has its implementation in activities/tools/ and its activity options in the
// Temporal contract.

export const TOOL_NAMES = ['web_fetch', 'memory_read', 'memory_write', 'query_data', 'notify_owner'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export const isToolName = (name: string): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name);
