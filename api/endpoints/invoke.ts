// Running one endpoint: its raw input (from a REST request or from an action's fields) validated
// into typed params, query and body, its handler called, its answer sent in the envelope.
import type { Request, Response } from 'express';
import { z } from '../../domain/schemas/zod';
import { sendData } from '../envelope';
import { ValidationError } from '../errors';
import { ownerOf } from '../middleware/auth';
import { ActionEnvelopeSchema } from '../schemas';
import type { Services } from '../services';
import { parseOrThrow } from '../validation';
import { IdempotencyKeySchema, type Endpoint, type Input } from './define';

/** An endpoint's input before validation: path parameters by name, query and body fields. */
export interface RawInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** What every call gets besides its input. */
export interface CallContext {
  req: Request;
  res: Response;
  services: Services;
  /** The OpenAPI document of this API (GET /v1/openapi.json). */
  openApiDocument: () => unknown;
}

/** A JSON body as `{resource?, action?, data?, ...fields}`: its action and its fields, top level and `data` merged. */
export function parseActionBody(body: unknown): { action?: string; fields: Record<string, unknown> } {
  if (body === undefined || body === null) body = {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('Request body must be a JSON object', [
      { field: '(body)', message: 'must be an object' },
    ]);
  }
  const { resource: _resource, action, data, ...topLevel } = parseOrThrow(ActionEnvelopeSchema, body);
  return { action, fields: { ...topLevel, ...(data ?? {}) } };
}

/** `fields` without the named keys. */
export function without(fields: Record<string, unknown>, keys: Iterable<string>): Record<string, unknown> {
  const rest = { ...fields };
  for (const key of keys) delete rest[key];
  return rest;
}

/**
 * A REST request's raw input: the path, the query string when the endpoint takes one, and the body's
 * fields when it takes one (top level or under `data`, `data` winning). A query or body field that
 * names a path parameter gives way to the path.
 */
export function restInput(endpoint: Endpoint, req: Request): RawInput {
  const pathFields = Object.values(endpoint.actionFields);
  return {
    params: req.params,
    query: endpoint.query ? without({ ...(req.query as Record<string, unknown>) }, pathFields) : {},
    body: endpoint.body ? without(parseActionBody(req.body).fields, pathFields) : {},
  };
}

function parseInput(input: Input, raw: Record<string, unknown>, label: string): unknown {
  return input instanceof z.ZodType ? parseOrThrow(input, raw, label) : input.parse(raw, label);
}

/** The `Idempotency-Key` header: 1 to 255 printable ASCII characters, or absent. */
function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!IdempotencyKeySchema.safeParse(key).success) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 printable ASCII characters without spaces', [
      { field: 'Idempotency-Key', message: '1 to 255 printable ASCII characters without spaces' },
    ]);
  }
  return key;
}

/** Validates `raw` (the idempotency key, then the path, the query, the body), runs the handler and answers. */
export async function invoke(endpoint: Endpoint, raw: RawInput, { req, res, services, openApiDocument }: CallContext) {
  const idempotencyKey = endpoint.idempotencyKey ? idempotencyKeyOf(req) : undefined;
  const params: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(endpoint.params)) {
    params[name] = param.parse(raw.params[name], endpoint.actionFields[name] ?? name, endpoint.label);
  }
  const query = endpoint.query ? parseInput(endpoint.query, raw.query, endpoint.label) : undefined;
  const body = endpoint.body ? parseInput(endpoint.body, raw.body, endpoint.label) : undefined;
  const answer = await endpoint.handler({
    get ownerId() {
      return ownerOf(res);
    },
    params,
    query,
    body,
    idempotencyKey,
    services,
    openApiDocument,
    req,
    res,
  });
  if (!answer) return; // the handler answered itself
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  sendData(res, answer.data, answer.status);
}
