// zod with `.openapi()` added, for the schemas that both validate API requests and generate
// GET /v1/openapi.json. Import `z` from here wherever a schema carries OpenAPI metadata; plain
// validation (tool inputs, config) may import zod directly.
import { extendZodWithOpenApi, type ZodOpenAPIMetadata } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };

/**
 * Cross-field rules in JSON Schema (`if`/`then`/`else` inside `allOf`, from OpenAPI 3.1) as
 * `.openapi()` metadata; the library's types predate those keywords.
 */
export function crossFieldRules(rules: object[], extra: { description?: string } = {}): Partial<ZodOpenAPIMetadata> {
  return { ...extra, allOf: rules } as unknown as Partial<ZodOpenAPIMetadata>;
}

/** Documents a trimmed, non-empty string: at least one character that is not white space (and no NUL). */
export const NOT_BLANK_PATTERN = '^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$';
