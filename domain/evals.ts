// Evals: a change to a genie tried against its past runs. What a case may do with a tool call, how
// calls are matched with the recorded ones, and the limits. Pure.

export const EVAL_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type EvalStatus = (typeof EVAL_STATUSES)[number];

/** Past runs one eval may replay; how many of the latest succeeded ones `last` takes by default. */
export const MAX_EVAL_RUNS = 50;
export const DEFAULT_EVAL_LAST = 10;
/** Cases of one eval that run at once. */
export const EVAL_CONCURRENCY = 4;

/** Where a case's tool call got its answer. */
export type EvalToolSource = 'recorded' | 'live' | 'refused';

/** Tools a case may run for real when nothing was recorded for the call: they only read. */
const LIVE_IN_EVALS: ReadonlySet<string> = new Set(['memory_read', 'query_data']);
export const runsLiveInEval = (tool: string): boolean => LIVE_IN_EVALS.has(tool);

/** What a case's refused call is answered. */
export const EVAL_REFUSAL =
  'Not run in an eval: this call would change something or reach outside (it was not recorded in the run this eval replays with the same input).';

/** JSON text with object keys sorted at every level: equal for JSON-equal values. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])])
    );
  }
  return value;
}

/** A tool call as matched: its tool and input. */
export interface CallShape {
  name: string;
  input: unknown;
}

/** Whether two calls are the same call: the same tool with JSON-equal input. */
const sameCall = (a: CallShape, b: CallShape): boolean =>
  a.name === b.name && canonicalJson(a.input) === canonicalJson(b.input);

/**
 * The recorded call answering the `index`-th call of a case: among the calls before it in the
 * case that are the same call, it is the n-th; the n-th same call of the recorded run answers it.
 * Undefined when the recorded run made that call fewer times.
 */
export function matchRecorded<T extends CallShape>(
  caseCalls: CallShape[],
  index: number,
  recorded: T[]
): T | undefined {
  const call = caseCalls[index]!;
  const nth = caseCalls.slice(0, index).filter((earlier) => sameCall(earlier, call)).length;
  return recorded.filter((candidate) => sameCall(candidate, call))[nth];
}

/** Whether two runs called the same tools in the same order. */
export const sameToolSequence = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((tool, i) => tool === b[i]);
