import { TOOL_NAMES, type ToolName } from '../../domain/tools';
import { memoryRead, memoryWrite } from './memory';
import { notifyOwner } from './notify-owner';
import { queryDataTool } from './query-data';
import type { ToolDefinition } from './registry';
import { webFetch } from './web-fetch';

/** Every tool of the catalogue, by name: adding a name to TOOL_NAMES without a tool fails to compile. */
const TOOL_REGISTRY: Record<ToolName, ToolDefinition> = {
  web_fetch: webFetch,
  memory_read: memoryRead,
  memory_write: memoryWrite,
  query_data: queryDataTool,
  notify_owner: notifyOwner,
};

/** The tools a genie is offered: those it lists, in catalogue order. */
export function offeredTools(genieTools: readonly string[]): ToolDefinition[] {
  return TOOL_NAMES.filter((name) => genieTools.includes(name)).map((name) => TOOL_REGISTRY[name]);
}
