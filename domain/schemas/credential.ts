import { ANY_PUBLIC_HOST, CREDENTIAL_STATUSES, CREDENTIAL_TYPES, CREDENTIAL_WARNINGS } from '../credentials';
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

/** The fields only an `oauth2` credential takes. */
const OAUTH2_FIELDS = ['token_url', 'client_id', 'client_secret', 'refresh_token', 'scope'] as const;

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
  {
    if: { required: ['credential_type'], properties: { credential_type: { const: 'oauth2' } } },
    then: {
      required: ['token_url', 'client_id', 'refresh_token'],
      not: { anyOf: [{ required: ['value'] }, { required: ['header_name'] }, { required: ['query_param'] }] },
    },
  },
  {
    if: { required: ['credential_type'], properties: { credential_type: { not: { const: 'oauth2' } } } },
    then: { required: ['value'], not: { anyOf: OAUTH2_FIELDS.map((field) => ({ required: [field] })) } },
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

/** A secret or setting sent on the wire: no line breaks, no NUL. */
const wireText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !/[\r\n\0]/.test(v), 'must not contain line breaks or NUL')
    .openapi({ pattern: '^[^\\r\\n\\u0000]+$' });

/** Where an `oauth2` credential refreshes its access token: an absolute http(s) URL without user or fragment. */
const tokenUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const url = new URL(v);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.hash;
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL, without user, password or #fragment')
  .openapi({ format: 'uri', pattern: '^[hH][tT][tT][pP][sS]?://' });

export const definitionFields = {
  credential_type: z.enum(CREDENTIAL_TYPES),
  value: wireText(8192)
    .optional()
    .openapi({ description: 'the secret (every type but oauth2, whose secrets are refresh_token and client_secret)' }),
  header_name: headerName.optional(),
  query_param: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .optional(),
  allowed_hosts: z.array(hostEntry).max(50).default([]),
  token_url: tokenUrl.optional().openapi({ description: 'oauth2: where the access token is refreshed' }),
  client_id: wireText(1000).optional().openapi({ description: 'oauth2: the client the refresh token was issued to' }),
  client_secret: wireText(8192)
    .optional()
    .openapi({ description: 'oauth2: sent with HTTP Basic authentication; without it, client_id goes in the body' }),
  refresh_token: wireText(8192).optional().openapi({ description: 'oauth2: the refresh token (kept encrypted)' }),
  scope: wireText(1000).optional().openapi({ description: 'oauth2: the scope asked for on each refresh' }),
};

/** The hosts a new credential may go to must be named: `["*"]` says any public host, on purpose. */
const NO_HOSTS_MESSAGE =
  'name the hosts this credential may be sent to (e.g. ["api.example.com"]), or ["*"] for any public host';

/** What the cross-field rules read: the input, possibly partly invalid (they run even then). */
interface DefinitionInput {
  credential_type?: unknown;
  value?: unknown;
  header_name?: unknown;
  query_param?: unknown;
  token_url?: unknown;
  client_id?: unknown;
  client_secret?: unknown;
  refresh_token?: unknown;
  scope?: unknown;
}

/**
 * Cross-field rules of a credential definition (which type takes which fields). They run even when
 * a field is invalid, so an answer names every field at once (a missing value among them).
 */
function checkDefinition(input: unknown, ctx: z.RefinementCtx): void {
  if (!input || typeof input !== 'object') return;
  const c = input as DefinitionInput;
  const type = c.credential_type;
  if (!(CREDENTIAL_TYPES as readonly unknown[]).includes(type)) return;
  const has = (field: keyof DefinitionInput) => c[field] !== undefined;
  const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
  if (type === 'oauth2') {
    for (const field of ['token_url', 'client_id', 'refresh_token'] as const) {
      if (!has(field)) issue(field, 'required for oauth2');
    }
    if (has('value')) {
      issue('value', 'not used for oauth2: its secrets are refresh_token and client_secret (optional)');
    }
    for (const field of ['header_name', 'query_param'] as const) {
      if (has(field)) issue(field, 'oauth2 always uses Authorization: Bearer');
    }
    return;
  }
  if (!has('value')) issue('value', `required for ${String(type)}`);
  for (const field of OAUTH2_FIELDS) if (has(field)) issue(field, 'only for oauth2 credentials');
  if (type === 'basic_auth' && typeof c.value === 'string' && !c.value.includes(':')) {
    issue('value', 'basic_auth value must be user:password');
  }
  if (type === 'custom_header' && !c.header_name) issue('header_name', 'required for custom_header');
  if (type === 'api_key' && c.header_name && c.query_param) {
    issue('query_param', 'give header_name or query_param, not both');
  }
  if (c.query_param && type !== 'api_key') issue('query_param', 'only for api_key credentials');
  if (c.header_name && (type === 'bearer_token' || type === 'basic_auth')) {
    issue('header_name', `${type} always uses Authorization`);
  }
}

/** The cross-field rules run on what parsed so far, even when a field failed. */
const ALWAYS = { when: () => true };

/** A credential's type, secret and how it is sent (unknown fields are refused). */
export const CredentialDefinitionSchema = z
  .object(definitionFields)
  .strict()
  .superRefine(checkDefinition, ALWAYS)
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
  .superRefine(checkDefinition, ALWAYS)
  .openapi('StoreCredential', crossFieldRules(TYPE_RULES));

export const CredentialSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    credential_type: z.enum(CREDENTIAL_TYPES),
    status: z.enum(CREDENTIAL_STATUSES).openapi({
      description:
        'needs_reauth: the token endpoint refused an oauth2 credential’s refresh token; store it again (replace: true). Always ok for the other types',
    }),
    header_name: z.string().nullable(),
    query_param: z.string().nullable(),
    allowed_hosts: z.array(z.string()).openapi({ description: '"*" alone: any public host' }),
    warnings: z.array(z.enum(CREDENTIAL_WARNINGS)).optional().openapi({
      description:
        'no_allowed_hosts: stored before hosts were required; it is sent only where a request names it — set allowed_hosts',
    }),
    hint: z.string().nullable().openapi({
      description: 'last 4 characters (of the refresh token as stored, for oauth2); none for secrets under 12',
    }),
    token_url: z.string().optional().openapi({ description: 'oauth2 only' }),
    client_id: z.string().optional().openapi({ description: 'oauth2 only' }),
    scope: z.string().nullable().optional().openapi({ description: 'oauth2 only' }),
    created_at: z.string(),
    updated_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .openapi('Credential');

export { TYPE_RULES as CREDENTIAL_TYPE_RULES };
