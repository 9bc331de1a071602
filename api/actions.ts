import { z } from '../lib/schemas/zod';
import { ValidationError } from './errors';
import { parseOrThrow } from './validation';

/** The resource every `/v1/worker-genies` action body may name. */
export const RESOURCE = 'worker-genies';

export const ActionEnvelopeSchema = z
  .object({
    resource: z.literal(RESOURCE).optional().openapi({ description: 'when present, must be "worker-genies"' }),
    action: z.string().min(1).optional().openapi({ description: 'the operation; no action creates a genie' }),
    id: z.string().optional(),
    data: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'the fields; they may also sit at the top level, and win over it' }),
  })
  .passthrough()
  .openapi('ActionRequest');

export interface ParsedAction {
  action: string;
  /** Top-level fields merged with `data` (data wins), without `resource`/`action`/`data`. */
  fields: Record<string, unknown>;
}

/** Reads `resource`, `action` and the merged fields of a POST body. */
export function parseActionBody(body: unknown): ParsedAction {
  if (body === undefined || body === null) body = {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('Request body must be a JSON object', [
      { field: '(body)', message: 'must be an object' },
    ]);
  }
  const envelope = parseOrThrow(ActionEnvelopeSchema, body);
  const { resource: _resource, action, data, ...topLevel } = envelope;
  return { action: action ?? 'create', fields: { ...topLevel, ...(data ?? {}) } };
}

/** `fields` without the named keys (e.g. `id` before validating an update patch). */
export function without(fields: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  const rest = { ...fields };
  for (const key of keys) delete rest[key];
  return rest;
}
