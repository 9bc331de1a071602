// The document's operations, from the endpoint table: one per REST endpoint, and the ActionRequest
// union of every action that `POST /v1/worker-genies` takes.
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from '../../domain/schemas/zod';
import { byPath, IdempotencyKeySchema, type Endpoint, type Input, type RestEndpoint } from '../endpoints/define';
import { RESOURCE } from '../schemas';

/** How the document answers errors, and secures what needs a key. */
export interface DocumentParts {
  security: Array<Record<string, string[]>>;
  /** What an authenticated operation can answer besides its success. */
  standardErrors: Record<number, ResponseConfig>;
  /** An error answer with `description`. */
  error(description: string): ResponseConfig;
}

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const schemaOf = (input: Input | undefined): z.ZodType | undefined =>
  input === undefined || input instanceof z.ZodType ? input : input.schema;

/** One action of POST /v1/worker-genies: `{action, <path fields>, data?}`, the query or body under `data`. */
function actionVariant(name: string, endpoint: Endpoint) {
  const data = schemaOf(endpoint.query ?? endpoint.body);
  const dataRequired = endpoint.body !== undefined && !endpoint.bodyOptional;
  return z
    .object({
      resource: z.literal(RESOURCE).optional(),
      action: z.literal(name),
      ...Object.fromEntries(
        Object.entries(endpoint.params).map(([param, spec]) => [endpoint.actionFields[param] ?? param, spec.schema])
      ),
      ...(data ? { data: dataRequired ? data : data.optional() } : {}),
    })
    .strict();
}

/**
 * The body of the dispatching endpoint: its own body (no action: it is the default), that body
 * under `data`, then `{action, …}` for each action of the table, the default first.
 */
function actionRequestSchema(endpoints: readonly Endpoint[], dispatcher: Endpoint) {
  const own = schemaOf(dispatcher.body);
  if (!own) throw new Error(`${dispatcher.rest?.path}: a dispatching endpoint has a body of its own`);
  const ordered = [dispatcher, ...endpoints.filter((endpoint) => endpoint !== dispatcher)];
  return z
    .union([
      own,
      z.object({ resource: z.literal(RESOURCE).optional(), data: own }).strict(),
      ...ordered.flatMap((endpoint) => endpoint.actions.map((name) => actionVariant(name, endpoint))),
    ])
    .openapi('ActionRequest', {
      description:
        'A genie to create (no `action`), or `{action, id?|run_id?, data?}`. Fields may also sit at the top level instead of under `data` (`data` wins).',
    });
}

function registerOperation(
  registry: OpenAPIRegistry,
  parts: DocumentParts,
  endpoint: RestEndpoint,
  body: z.ZodType | undefined
) {
  const op = endpoint.rest;
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, { description, schema, mediaType }] of Object.entries(op.responses)) {
    responses[Number(status)] = mediaType
      ? { description, content: { [mediaType]: { schema: schema ?? z.string() } } }
      : schema
        ? { description, content: json(schema) }
        : { description };
  }
  if (!op.public) Object.assign(responses, parts.standardErrors);
  const params = Object.entries(endpoint.params);
  if (params.length > 0) responses[404] = parts.error('not_found (also for another user’s ids)');
  if (body) {
    responses[413] = parts.error(`payload_too_large: JSON body over ${op.path.startsWith('/v1/data/') ? 16 : 1} MiB`);
  }
  for (const [status, description] of Object.entries(op.errors)) responses[Number(status)] = parts.error(description);
  const query = schemaOf(endpoint.query);
  registry.registerPath({
    method: op.method,
    path: op.path,
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: op.description,
    security: op.public ? [] : parts.security,
    request: {
      params: params.length > 0 ? z.object(Object.fromEntries(params.map(([n, spec]) => [n, spec.schema]))) : undefined,
      query: query as z.ZodObject | undefined,
      headers: endpoint.idempotencyKey ? z.object({ 'Idempotency-Key': IdempotencyKeySchema.optional() }) : undefined,
      body: body ? { content: json(body), required: !endpoint.bodyOptional } : undefined,
    },
    responses,
  });
}

/** Registers every REST endpoint of the table, path by path in the table's order. */
export function registerEndpoints(registry: OpenAPIRegistry, parts: DocumentParts, endpoints: readonly Endpoint[]) {
  for (const [, group] of byPath(endpoints)) {
    for (const endpoint of group) {
      const body = endpoint.rest.dispatcher ? actionRequestSchema(endpoints, endpoint) : schemaOf(endpoint.body);
      registerOperation(registry, parts, endpoint, body);
    }
  }
}
