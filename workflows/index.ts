// Workflow code the worker bundles (workflowsPath). Deterministic only: see the lint rule on
// workflows/** and DESIGN.md decision 10.
export { genieRun, statusQuery } from './genie-run';
export { genieEvents, eventSignal, stopSignal, inboxStatusQuery } from './genie-events';
