import { ANY_PUBLIC_HOST, CREDENTIAL_TYPES, CREDENTIAL_WARNINGS } from '../credentials';
import { crossFieldRules, z } from './zod';

/** HTTP token characters (RFC 9110), for header names. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers a credential may not set: they belong to the transport. */
export const RESERVED_HEADERS = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
  'trailer',
];
/** `api.example.com` or `*.example.com` (lower case, no port). */
const HOST_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A regex matching `word` in any letter case (JSON Schema patterns have no flags). */
const anyCase = (word: string) =>
  [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c.replace(/[-.]/g, '\\$&'))).join('');

/**
 * Which fields each credential type takes, as JSON Schema (checkDefinition is the same rules in
 * code, with messages that name the field).
 */
const TYPE_RULES = [
  {
    if: { required: ['credential_type'], properties: { credential_type: { const: 'basic_auth' } } },
    then: {
      properties: { value: { pattern: ':' } },
      not: { anyOf: [{ required: ['header_name'] }, { required: ['query_param'] }] },
    },
  },
  {
    if: { required: ['credential_type'], properties: { credential_type: { const: 'bearer_token' } } },
    then: { not: { anyOf: [{ required: ['header_name'] }, { required: ['query_param'] }] } },
  },
  {
    if: { required: ['credential_type'], properties: { credential_type: { const: 'custom_header' } } },
    then: { required: ['header_name'], not: { required: ['query_param'] } },
  },
  {
    if: { required: ['credential_type'], properties: { credential_type: { const: 'api_key' } } },
    then: { not: { required: ['header_name', 'query_param'] } },
  },
];

export const CredentialNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');

const headerName = z
  .string()
  .min(1)
  .max(100)
  .regex(HEADER_NAME, 'must be an HTTP header name')
  .refine((name) => !RESERVED_HEADERS.includes(name.toLowerCase()), 'may not be a transport header')
  .openapi({ not: { pattern: `^(?:${RESERVED_HEADERS.map(anyCase).join('|')})$` } });

/** One `allowed_hosts` entry: `api.example.com`, `*.example.com`, or `*` (any public host). */
const hostEntry = z
  .string()
  .transform((h) => h.trim().toLowerCase().replace(/\.$/, ''))
  .pipe(
    z
      .string()
      .refine(
        (h) => h === ANY_PUBLIC_HOST || HOST_PATTERN.test(h),
        'must be a host name like api.example.com or *.example.com, or "*" for any public host'
      )
  )
  .openapi({ pattern: `^\\*$|${HOST_PATTERN.source.replace(/a-z/g, 'a-zA-Z')}` });

export const definitionFields = {
  credential_type: z.enum(CREDENTIAL_TYPES),
  value: z
    .string()
    .min(1)
    .max(8192)
    .refine((v) => !/[\r\n\0]/.test(v), 'must not contain line breaks or NUL')
    .openapi({ pattern: '^[^\\r\\n\\u0000]+$' }),
  header_name: headerName.optional(),
  query_param: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .optional(),
  allowed_hosts: z.array(hostEntry).max(50).default([]),
};

/** The hosts a new credential may go to must be named: `["*"]` says any public host, on purpose. */
const NO_HOSTS_MESSAGE =
  'name the hosts this credential may be sent to (e.g. ["api.example.com"]), or ["*"] for any public host';

/** Cross-field rules of a credential definition (which type takes which fields). */
function checkDefinition(
  c: {
    credential_type: (typeof CREDENTIAL_TYPES)[number];
    value: string;
    header_name?: string;
    query_param?: string;
  },
  ctx: z.RefinementCtx
): void {
  if (c.credential_type === 'basic_auth' && !c.value.includes(':')) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'basic_auth value must be user:password' });
  }
  if (c.credential_type === 'custom_header' && !c.header_name) {
    ctx.addIssue({ code: 'custom', path: ['header_name'], message: 'required for custom_header' });
  }
  if (c.credential_type === 'api_key' && c.header_name && c.query_param) {
    ctx.addIssue({ code: 'custom', path: ['query_param'], message: 'give header_name or query_param, not both' });
  }
  if (c.query_param && c.credential_type !== 'api_key') {
    ctx.addIssue({ code: 'custom', path: ['query_param'], message: 'only for api_key credentials' });
  }
  if (c.header_name && (c.credential_type === 'bearer_token' || c.credential_type === 'basic_auth')) {
    ctx.addIssue({
      code: 'custom',
      path: ['header_name'],
      message: `${c.credential_type} always uses Authorization`,
    });
  }
}

/** A credential's type, secret and how it is sent (unknown fields are refused). */
export const CredentialDefinitionSchema = z
  .object(definitionFields)
  .strict()
  .superRefine(checkDefinition)
  .openapi(crossFieldRules(TYPE_RULES));
export type CredentialDefinition = z.infer<typeof CredentialDefinitionSchema>;

export const StoreCredentialSchema = z
  .object({
    name: CredentialNameSchema,
    replace: z.boolean().default(false),
    ...definitionFields,
    allowed_hosts: z
      .array(hostEntry, { error: (issue) => (issue.input === undefined ? `required: ${NO_HOSTS_MESSAGE}` : undefined) })
      .min(1, NO_HOSTS_MESSAGE)
      .max(50),
  })
  .strict()
  .superRefine(checkDefinition)
  .openapi('StoreCredential', crossFieldRules(TYPE_RULES));

export const CredentialSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    credential_type: z.enum(CREDENTIAL_TYPES),
    header_name: z.string().nullable(),
    query_param: z.string().nullable(),
    allowed_hosts: z.array(z.string()).openapi({ description: '"*" alone: any public host' }),
    warnings: z.array(z.enum(CREDENTIAL_WARNINGS)).optional().openapi({
      description:
        'no_allowed_hosts: stored before hosts were required; it is sent only where a request names it — set allowed_hosts',
    }),
    hint: z.string().nullable().openapi({ description: 'last 4 characters; none for secrets under 12' }),
    created_at: z.string(),
    updated_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .openapi('Credential');

export { TYPE_RULES as CREDENTIAL_TYPE_RULES };
