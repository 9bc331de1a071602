// zod with `.openapi()` added, for the schemas that both validate API requests and generate
// GET /v1/openapi.json. Import `z` from here wherever a schema carries OpenAPI metadata; plain
// validation (tool inputs, config) may import zod directly.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
