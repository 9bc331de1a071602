import type Anthropic from '@anthropic-ai/sdk';
import { log } from '@temporalio/activity';
import { callCostMicroUsd, priceOf, usdOf } from '../domain/prices';
import { usageOf } from '../domain/runs';
import {
  findEval,
  finishEval,
  listEvalCaseRuns,
  markEvalCaseFinished,
  setEvalCaseJudged,
} from '../db/repositories/evals';
import { findRun } from '../db/repositories/runs';
import { listMessages } from '../db/repositories/run-records';
import { DEFAULT_PRICES } from '../platform/default-prices';
import type { EvalCaseInput, EvalPlan, FinishEvalInput, GenieEvalInput } from '../temporal/contract';
import { createAnthropicClient, toModelFailure } from './anthropic';
import { textOf } from './conversation';
import type { ActivityDeps } from './deps';
import { modelNotConfigured } from './failures';
import { withHeartbeat } from './heartbeat';

/** The judge's one tool, forced: a score of 1 to 5 and why. */
const RECORD_SCORE: Anthropic.Tool = {
  name: 'record_score',
  description: 'Record your score of the new output against the rubric.',
  input_schema: {
    type: 'object',
    properties: {
      score: { type: 'integer', minimum: 1, maximum: 5, description: '1 (much worse) to 5 (excellent)' },
      reason: { type: 'string', description: 'Why, in one or two sentences.' },
    },
    required: ['score', 'reason'],
  },
};

/** The judge's instructions: the rubric, and what it is shown. */
const judgeSystem = (rubric: string) =>
  [
    'You judge one case of an evaluation of an AI agent (a "genie"). A change was made to the genie and',
    'it was run again on the input of a past run. Score the NEW output against the rubric below, from 1',
    '(fails the rubric) to 5 (meets it fully), using the ORIGINAL output for comparison. Call record_score once.',
    '',
    'Rubric:',
    rubric,
  ].join('\n');

const clip = (text: string | null) => (text ?? '(no output)').slice(0, 20_000);

/** The eval activities: what an eval runs, its judge, and recording its end. */
export function createEvalActivities(deps: Pick<ActivityDeps, 'db' | 'model' | 'prices' | 'metrics'>) {
  const { db } = deps;
  const client = createAnthropicClient(deps.model);
  const prices = deps.prices ?? DEFAULT_PRICES;

  /** `evalCases`: the case runs of the eval, in order, and whether a judge scores them. */
  async function evalCases({ evalId, ownerId }: GenieEvalInput): Promise<EvalPlan> {
    const row = await findEval(db, ownerId, evalId);
    if (!row) return { cases: [], judged: false };
    const cases = await listEvalCaseRuns(db, ownerId, evalId);
    return { cases: cases.map((c) => ({ runId: c.run_id, genieId: c.genie_id })), judged: row.rubric !== null };
  }

  /**
   * `judgeEvalCase`: with a rubric, one model call that must call `record_score`, given the rubric,
   * the input and both outputs; its score, reason and cost are the case's. A case that did not
   * succeed is not judged. Repeats after a recorded score change nothing.
   */
  async function judgeEvalCase({ evalId, ownerId, runId }: EvalCaseInput): Promise<void> {
    const row = await findEval(db, ownerId, evalId);
    const run = await findRun(db, ownerId, runId);
    if (!row || !run) return;
    if (!row.rubric || run.status !== 'succeeded') return markEvalCaseFinished(db, evalId, runId);
    if (!client) throw modelNotConfigured();
    const baseline = run.baseline_run_id ? await findRun(db, ownerId, run.baseline_run_id) : undefined;
    const opening = (await listMessages(db, ownerId, runId)).find((m) => m.turn === 0 && m.role === 'user');
    const model = run.genie_spec?.model ?? deps.model.defaultModel;
    const response = await withHeartbeat((signal) =>
      client.messages
        .create(
          {
            model,
            max_tokens: 1024,
            system: judgeSystem(row.rubric!),
            tools: [RECORD_SCORE],
            tool_choice: { type: 'tool', name: RECORD_SCORE.name },
            messages: [
              {
                role: 'user',
                content: [
                  `INPUT (what the genie was given):\n${clip(opening ? textOf(opening.content) : null)}`,
                  `ORIGINAL OUTPUT (before the change):\n${clip(baseline?.output ?? null)}`,
                  `NEW OUTPUT (with the change):\n${clip(run.output)}`,
                ].join('\n\n'),
              },
            ],
          },
          { signal }
        )
        .catch((err: unknown) => {
          throw toModelFailure(err);
        })
    );
    const call = response.content.find((block) => block.type === 'tool_use' && block.name === RECORD_SCORE.name);
    const input = (call?.type === 'tool_use' ? call.input : {}) as { score?: unknown; reason?: unknown };
    const score = typeof input.score === 'number' ? Math.min(5, Math.max(1, Math.round(input.score))) : null;
    const reason = typeof input.reason === 'string' ? input.reason.slice(0, 2000) : null;
    const price = priceOf(prices, model);
    const costMicroUsd = price ? callCostMicroUsd(usageOf(response.usage), price) : null;
    if (costMicroUsd !== null) deps.metrics?.costUsd.inc({ model, mode: 'realtime' }, usdOf(costMicroUsd));
    if (score === null) log.warn('the judge gave no usable score', { evalId, runId });
    await setEvalCaseJudged(db, evalId, runId, {
      score,
      reason: reason ?? (score === null ? 'The judge did not give a score.' : null),
      costMicroUsd,
    });
  }

  /** `finishEval`: records how the eval ended (once). */
  async function finishEvalActivity({ evalId, ownerId, status, error }: FinishEvalInput): Promise<void> {
    await finishEval(db, ownerId, evalId, { status, error });
  }

  return { evalCases, judgeEvalCase, finishEval: finishEvalActivity };
}
