// The one zod instance of the project, extended with `.openapi()` so the schemas that validate
// requests also generate GET /v1/openapi.json.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
