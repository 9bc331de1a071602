// An eval as the API takes it: a change to try, the past runs to try it on, and a rubric.
import { DEFAULT_EVAL_LAST, MAX_EVAL_RUNS } from '../evals';
import { GenieUpdateSchema } from './genie';
import { crossFieldRules, NOT_BLANK_PATTERN, z } from './zod';

export const EvalCreateSchema = z
  .object({
    changes: GenieUpdateSchema.refine((changes) => Object.keys(changes).length > 0, {
      message: 'name at least one genie field to change (e.g. soul_prompt)',
    }).openapi({ description: 'any writable genie fields, as in an update (at least one)', minProperties: 1 }),
    runs: z
      .array(z.string().uuid())
      .min(1)
      .max(MAX_EVAL_RUNS)
      .refine((ids) => new Set(ids).size === ids.length, 'runs must not repeat')
      .optional()
      .openapi({ description: `ended runs of this genie to replay (at most ${MAX_EVAL_RUNS})` }),
    last: z
      .number()
      .int()
      .min(1)
      .max(MAX_EVAL_RUNS)
      .optional()
      .openapi({ description: `or its latest N succeeded runs (default ${DEFAULT_EVAL_LAST})` }),
    rubric: z
      .string()
      .trim()
      .min(1)
      .max(4000)
      .optional()
      .openapi({ description: 'with it, a judge scores each case 1–5 against it', pattern: NOT_BLANK_PATTERN }),
  })
  .strict()
  .refine((body) => body.runs === undefined || body.last === undefined, {
    message: 'give runs or last, not both',
    path: ['last'],
  })
  .openapi('EvalCreate', crossFieldRules([{ not: { required: ['runs', 'last'] } }]));
export type EvalCreate = z.infer<typeof EvalCreateSchema>;
