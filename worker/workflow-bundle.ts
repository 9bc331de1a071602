// The workflow bundle: workflows/ as the code the worker loads into its sandbox. `npm run build`
// makes it ahead of time (Temporal's advice for production: no webpack at start, less memory);
// from the TypeScript sources (tsx, jest) the worker bundles workflows/ at start instead.
import fs from 'node:fs';
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';
import { PROJECT_ROOT, RUNS_COMPILED } from '../platform/project';
import { tracingPluginForBundling } from '../platform/tracing';

/** The bundles `npm run build` writes into dist/; tracing's adds OpenTelemetry's workflow interceptors. */
export const WORKFLOW_BUNDLES = [
  { file: 'workflow-bundle.js', tracing: false },
  { file: 'workflow-bundle-tracing.js', tracing: true },
] as const;

/** workflows/index: the .ts source under tsx and jest, the compiled .js in dist/. */
export const workflowsPath = (): string => require.resolve('../workflows');

/** Bundles the workflows as the worker does at start (with the tracing plugin's interceptors when on). */
export async function bundleWorkflows(tracing: boolean): Promise<string> {
  // Loaded here, not up front: the build needs webpack only when the workflows changed.
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    plugins: tracing ? [tracingPluginForBundling()] : [],
    logger: new DefaultLogger('WARN'),
  });
  return code;
}

/**
 * The bundle `npm run build` made, when this is the compiled worker (dist/worker/) and the bundle
 * is there; undefined means the worker bundles workflows/ at start.
 */
export function prebuiltWorkflowBundle(tracing: boolean): WorkerOptions['workflowBundle'] {
  if (!RUNS_COMPILED) return undefined; // from the sources: there is no build to trust
  const { file } = WORKFLOW_BUNDLES.find((bundle) => bundle.tracing === tracing)!;
  const codePath = path.join(PROJECT_ROOT, 'dist', file);
  return fs.existsSync(codePath) ? { codePath } : undefined;
}
