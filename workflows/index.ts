// The workflow code the worker bundles (workflowsPath). Deterministic only: the lint rule on
// workflows/** keeps Node built-ins, the database, the Anthropic SDK and config out. Each export's
// name is its workflow type (WORKFLOW in the Temporal contract).
export { genieRun } from './genie-run';
export { genieEvents } from './genie-events';
export { scheduleReconciler } from './schedule-reconciler';
export { webhookDelivery } from './webhook-delivery';
export { genieEval } from './genie-eval';
