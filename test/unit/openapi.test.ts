import SwaggerParser from '@apidevtools/swagger-parser';
import { openApiDocument } from '../../api/openapi';

/** The OpenAPI document is what generated clients and fuzzers trust: it must be valid and exact. */
const document = () => JSON.parse(JSON.stringify(openApiDocument()));
const operations = () =>
  Object.entries(document().paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation }))
  );

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    await expect(SwaggerParser.validate(document())).resolves.toBeDefined();
  });

  it('names, tags and secures every operation, and declares where it is served', () => {
    const doc = document();
    expect(doc.servers).toEqual([{ url: '/', description: 'this server' }]);
    const ids = new Set<string>();
    for (const { path, method, operation } of operations()) {
      expect([path, method, typeof operation.operationId]).toEqual([path, method, 'string']);
      expect(ids.has(operation.operationId)).toBe(false);
      ids.add(operation.operationId);
      expect(operation.tags).toHaveLength(1);
      const isPublic = path === '/healthz' || path === '/v1/openapi.json';
      expect([path, operation.security]).toEqual([path, isPublic ? [] : [{ apiKey: [] }]]);
    }
  });

  it('declares the errors each operation can answer', () => {
    for (const { path, method, operation } of operations()) {
      const statuses = Object.keys(operation.responses);
      if (path === '/healthz') expect(statuses).toContain('503');
      if (path.startsWith('/v1/') && path !== '/v1/openapi.json') {
        expect([path, method, statuses]).toEqual([path, method, expect.arrayContaining(['400', '401', '429', '503'])]);
      }
      if (path.includes('{')) expect([path, statuses]).toEqual([path, expect.arrayContaining(['404'])]);
      if (operation.requestBody) expect([path, statuses]).toEqual([path, expect.arrayContaining(['413'])]);
    }
  });

  it('marks required bodies required, and every input object refuses unknown fields', () => {
    const doc = document();
    const required = operations()
      .filter(({ operation }) => operation.requestBody?.required)
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(required).toEqual(
      expect.arrayContaining([
        'PATCH /v1/worker-genies/{id}',
        'POST /v1/credentials',
        'POST /v1/events',
        'POST /v1/data/leads',
      ])
    );
    const inputs = [
      'GenieCreate',
      'GenieUpdate',
      'Schedule',
      'SchedulePatch',
      'RunRequest',
      'StoreCredential',
      'TestCredential',
      'TriggerEvent',
      'Event',
      'CreateApiKey',
      'Ingest_leads',
    ];
    for (const name of inputs) expect([name, doc.components.schemas[name].additionalProperties]).toEqual([name, false]);
    for (const variant of doc.components.schemas.ActionRequest.anyOf) {
      const schema = variant.$ref ? doc.components.schemas[variant.$ref.split('/').pop()] : variant;
      expect(schema.additionalProperties).toBe(false);
    }
  });

  it('expresses the cross-field rules JSON Schema can', () => {
    const schemas = document().components.schemas;
    expect(schemas.Schedule.oneOf).toEqual([
      { type: 'null' },
      { type: 'object', required: ['cron'] },
      { type: 'object', required: ['interval_seconds'] },
    ]);
    expect(schemas.SchedulePatch.not).toEqual({ type: 'object', required: ['cron', 'interval_seconds'] });
    for (const field of ['tools', 'event_types', 'credential_refs']) {
      expect([field, schemas.GenieCreate.properties[field].uniqueItems]).toEqual([field, true]);
    }
    expect(schemas.GenieCreate.allOf).toHaveLength(2);
    expect(schemas.GenieUpdate.allOf).toHaveLength(3);
  });
});
