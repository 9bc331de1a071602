// The tool catalogue shared by the API, activities and workflow code. Pure: safe in workflows/.
import type { ActivityOptions } from '@temporalio/common';

export const TOOL_NAMES = ['web_fetch', 'memory_read', 'memory_write', 'query_data', 'notify_owner'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

const DATABASE_TOOL: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
};

/**
 * How each tool's activity is timed out and retried. Only platform faults reach these retries: a
 * tool failure that is the input's fault comes back to the model as an `is_error` result.
 */
export const TOOL_ACTIVITY_OPTIONS: Record<ToolName, ActivityOptions> = {
  memory_read: DATABASE_TOOL,
  memory_write: DATABASE_TOOL,
  query_data: DATABASE_TOOL,
  web_fetch: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
  },
  notify_owner: {
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
  },
};
