// GET /v1/openapi.json: generated from the endpoint table (api/endpoints/) and the same zod schemas
// that validate requests, so the document cannot drift from what the API accepts. What is here is
// what no endpoint says: the document's header, the security scheme, the errors every operation
// shares, and the NUL rule written into every schema.
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { ENDPOINTS } from '../endpoints';
import { registerEndpoints } from './operations';
import { ErrorSchema, RunStateSchema } from './responses';

const error = (description: string): ResponseConfig => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/** What an authenticated operation can answer besides its success. */
const STANDARD_ERRORS: Record<number, ResponseConfig> = {
  400: error(
    'validation_error: details name each bad field (also a malformed path, NUL characters, JSON deeper than 64 levels, unknown fields)'
  ),
  401: error('unauthorized: missing, invalid or revoked API key'),
  429: error('rate_limited: over the per-key limit, or too many failed authentications; see Retry-After'),
  503: error('upstream_unavailable: Postgres or Temporal is down'),
};

function buildRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: hg_live_<secret> (create one with `npm run cli -- api-key create --email EMAIL`)',
  });
  registerEndpoints(registry, { security: [{ [bearer.name]: [] }], standardErrors: STANDARD_ERRORS, error }, ENDPOINTS);
  // The stream's `run` event data: an SSE event's data is a string, so no operation refers to it.
  registry.register('RunState', RunStateSchema);
  return registry;
}

/** Strings the API takes hold no NUL (Postgres cannot store U+0000): every string says so. */
const NO_NUL = '^[^\\u0000]*$';
const JSON_REF = { $ref: '#/components/schemas/Json' };
type Schema = Record<string, unknown>;
const ANNOTATIONS = new Set(['description', 'example', 'examples', 'default', 'title']);

/** Any JSON value, with no NUL in any string or key (what `unknown` fields accept). */
const JSON_SCHEMA: Schema = {
  description: 'Any JSON value; no string or key may hold the NUL character (U+0000).',
  anyOf: [
    { type: 'string', pattern: NO_NUL },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    { type: 'array', items: JSON_REF },
    { type: 'object', propertyNames: { pattern: NO_NUL }, additionalProperties: JSON_REF },
  ],
};

/** Walks a schema (in place), saying of every free-form string, key and value that it holds no NUL. */
function refuseNul(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(refuseNul);
  if (!schema || typeof schema !== 'object') return schema;
  const node = schema as Schema;
  if (Object.keys(node).every((key) => ANNOTATIONS.has(key))) return { ...node, ...JSON_REF };
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('string') && !node.pattern && !node.format && !node.enum && node.const === undefined) {
    node.pattern = NO_NUL;
  }
  if (
    types.includes('object') &&
    node.additionalProperties !== undefined &&
    node.additionalProperties !== false &&
    !node.propertyNames
  ) {
    node.propertyNames = { pattern: NO_NUL };
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' || key === 'patternProperties') {
      for (const [name, property] of Object.entries(value as Schema)) (value as Schema)[name] = refuseNul(property);
    } else if (['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'schema'].includes(key)) {
      node[key] = value === true ? JSON_REF : refuseNul(value);
    } else if (['anyOf', 'oneOf', 'allOf'].includes(key)) {
      node[key] = refuseNul(value);
    }
  }
  return node;
}

/** The document's schemas and parameters, NUL refused everywhere (see refuseNul). */
function withoutNul<T extends { components?: { schemas?: Schema }; paths?: Schema }>(document: T): T {
  const schemas = document.components?.schemas ?? {};
  for (const [name, schema] of Object.entries(schemas)) schemas[name] = refuseNul(schema);
  schemas.Json = JSON_SCHEMA;
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations as Record<string, Schema>)) {
      for (const parameter of (operation.parameters as Schema[] | undefined) ?? []) refuseNul(parameter.schema);
      const body = (operation.requestBody as { content?: Record<string, Schema> } | undefined)?.content;
      for (const media of Object.values(body ?? {})) media.schema = refuseNul(media.schema);
    }
  }
  return document;
}

let cachedDocument: unknown;

/** The OpenAPI 3.1 document of the API, generated from the zod schemas that validate requests. */
export function openApiDocument(): unknown {
  cachedDocument ??= withoutNul(
    new OpenApiGeneratorV31(buildRegistry().definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'Worker Genies API',
        version: '0.2.0',
        description:
          'Autonomous background AI agents on Temporal and Claude. Envelope: {success, data} or {success, error}.',
      },
      servers: [{ url: '/', description: 'this server' }],
      tags: [
        { name: 'Genies' },
        { name: 'Runs' },
        { name: 'Events' },
        { name: 'Credentials' },
        { name: 'MCP servers' },
        { name: 'Models' },
        { name: 'Data' },
        { name: 'Notifications' },
        { name: 'API keys' },
        { name: 'Health' },
      ],
    })
  );
  return cachedDocument;
}
