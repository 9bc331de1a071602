import type { Db } from '../db';
import type { FetchPolicy } from '../lib/fetch/ssrf';
import { Context } from '@temporalio/activity';
import type { Logger } from '../lib/logger';
import type { Mailer } from '../lib/mailer';
import type { Vault } from '../lib/vault';
import { withHeartbeat } from './heartbeat';
import { createDropEvents, createPrepareEventRun } from './events';
import { createCallModel, type ModelSettings } from './model';
import { createFinishRun, createStartRun } from './run-lifecycle';
import { runToolCall, type RunToolInput } from './tools/run-tool';

/** What activities need from the process; the worker wires real clients, tests wire their own. */
export interface ActivityDeps {
  db: Db;
  logger: Logger;
  model: ModelSettings;
  vault: Vault;
  fetchPolicy: FetchPolicy;
  mailer?: Mailer;
  notify: { maxPerRun: number };
  faults?: string[];
}

/** The activities the worker registers, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    startRun: createStartRun(deps.db),
    callModel: createCallModel(deps.db, deps.model),
    /** Runs one tool call effectively once per `(run, tool_use_id)`; see runToolCall. */
    runTool: (input: RunToolInput) =>
      withHeartbeat((signal) => runToolCall(deps, input, { signal, attempt: Context.current().info.attempt })),
    finishRun: createFinishRun(deps.db),
    prepareEventRun: createPrepareEventRun(deps.db),
    dropEvents: createDropEvents(deps.db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ModelSettings };
