import type { ToolName } from '../../lib/tools';
import { memoryRead, memoryWrite } from './memory';
import { notifyOwner } from './notify-owner';
import { queryDataTool } from './query-data';
import type { ToolDefinition } from './registry';
import { webFetch } from './web-fetch';

/** Every tool this release runs, by name. Tools not listed here are never offered to the model. */
export const TOOL_REGISTRY: Partial<Record<ToolName, ToolDefinition>> = {
  web_fetch: webFetch,
  memory_read: memoryRead,
  memory_write: memoryWrite,
  query_data: queryDataTool,
  notify_owner: notifyOwner,
};

/** The tools a genie is offered: those it lists that the platform can run, in registry order. */
export function offeredTools(genieTools: readonly string[]): ToolDefinition[] {
  return Object.values(TOOL_REGISTRY).filter(
    (tool): tool is ToolDefinition => !!tool && genieTools.includes(tool.name)
  );
}
