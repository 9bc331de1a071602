import { z } from 'zod';
import type { GenieRow } from '../../db/repositories/genies';
import type { Queryable } from '../../db';
import type { ToolName } from '../../domain/tools';
import type { ToolDeps } from '../deps';

/** What a tool runs with: the owner and genie it acts for, and the tool call's idempotency key. */
export interface ToolContext {
  /** The pool, or the transaction of a transactional tool. */
  db: Queryable;
  deps: ToolDeps;
  ownerId: string;
  genie: GenieRow;
  runId: string;
  toolUseId: string;
  /** Aborts when the activity is cancelled. */
  signal?: AbortSignal;
  /** The activity attempt (1 first). */
  attempt?: number;
}

/** A tool's answer to the model: JSON, or for `isError` results a sentence saying why (the run goes on). */
export type ToolOutcome = { result: unknown; isError: false } | { result: string; isError: true };

/** An `is_error` result whose text tells the model what was wrong. */
export const toolError = (message: string): ToolOutcome => ({ isError: true, result: message });

export interface ToolDefinition<I = unknown> {
  name: ToolName;
  description: string;
  input: z.ZodType<I>;
  /** One line naming the tool and its target, for the Temporal UI. */
  summarize(input: Partial<I>): string;
  /**
   * Runs the tool. Throws only for platform faults (Temporal retries those); anything that is the
   * input's fault returns `{isError: true}`.
   */
  execute(ctx: ToolContext, input: I): Promise<ToolOutcome>;
  /**
   * True when every effect is in Postgres: the effect and the step record commit together, so a
   * repeated attempt changes nothing twice.
   */
  transactional: boolean;
}

/** A tool whose input failed validation: the model gets the reasons and may retry. */
export function invalidInput(tool: string, error: z.ZodError): ToolOutcome {
  const reasons = error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
  return toolError(`Invalid input for ${tool}: ${reasons.join('; ')}`);
}

const jsonSchemas = new WeakMap<ToolDefinition, Record<string, unknown>>();

/** The tool's input schema as the JSON Schema the Messages API expects (made once per tool). */
export function inputJsonSchema(tool: ToolDefinition): Record<string, unknown> {
  let json = jsonSchemas.get(tool);
  if (!json) {
    const { $schema: _schema, ...schema } = z.toJSONSchema(tool.input, {
      io: 'input',
      unrepresentable: 'any',
    }) as Record<string, unknown>;
    json = { type: 'object', ...schema };
    jsonSchemas.set(tool, json);
  }
  return json;
}

export const defineTool = <I>(tool: ToolDefinition<I>): ToolDefinition => tool;
