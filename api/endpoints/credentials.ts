// Credentials: store, list, delete and test; values are sealed on the way in and never shown.
import { isUuid } from '../../domain/ids';
import {
  CredentialDefinitionSchema,
  CredentialNameSchema,
  CredentialSchema,
  StoreCredentialSchema,
} from '../../domain/schemas/credential';
import { z } from '../../domain/schemas/zod';
import * as R from '../openapi/responses';
import { ValidationError } from '../errors';
import { BooleanParam, DeleteCredentialSchema, TestCredentialSchema } from '../schemas';
import { parseOrThrow, requireId } from '../validation';
import { actionOnly, endpoint, type PathParam } from './define';

/** The `{id}` of a credential path: a uuid names the credential by id, anything else by name. */
const credentialRef: PathParam<{ id: string } | { name: string }> = {
  schema: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/)
    .openapi({ description: 'the credential’s id, or its name' }),
  parse: (value, _field, label) => {
    const ref = String(value);
    if (isUuid(ref)) return { id: ref.toLowerCase() };
    return parseOrThrow(z.object({ name: CredentialNameSchema }), { name: ref }, label);
  },
};
const CREDENTIAL_REF = { id: credentialRef };

export const credentialEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/credentials',
    operationId: 'storeCredential',
    tag: 'Credentials',
    summary: 'Store a credential, encrypted at rest',
    description:
      'Types: bearer_token, api_key, basic_auth, custom_header (their secret in value), and oauth2: token_url, client_id, client_secret (optional), refresh_token and scope (optional); it is sent as a bearer access token, refreshed at token_url when it expires within 60 s or is refused (401). Storing one again (replace: true) makes it ok again.',
    action: 'store-credential',
    body: StoreCredentialSchema,
    label: 'Credential',
    responses: {
      201: { description: 'stored', schema: R.ok(CredentialSchema) },
      200: { description: 'replaced (replace: true)', schema: R.ok(CredentialSchema) },
    },
    errors: { 409: 'conflict: the name exists and replace is not set' },
    handler: async ({ ownerId, body, services }) => {
      const stored = await services.credentials.store(ownerId, body);
      return { status: stored.created ? 201 : 200, data: stored.credential };
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/credentials',
    operationId: 'listCredentials',
    tag: 'Credentials',
    summary: 'List credentials (never a value)',
    action: 'list-credentials',
    responses: { 200: { description: 'credentials', schema: R.ok(R.CredentialListSchema) } },
    handler: async ({ ownerId, services }) => ({ data: await services.credentials.list(ownerId) }),
  }),
  // The action names its credential by `id` or `name` among its fields.
  actionOnly({
    action: 'delete-credential',
    body: DeleteCredentialSchema,
    label: 'Delete request',
    handler: async ({ ownerId, body, services }) => {
      const { force, ...ref } = body;
      const target = ref.id !== undefined ? { id: requireId(ref.id, 'id', 'Credential') } : { name: ref.name };
      return { data: await services.credentials.delete(ownerId, target, { force }) };
    },
  }),
  endpoint({
    method: 'delete',
    path: '/v1/credentials/{id}',
    operationId: 'deleteCredential',
    tag: 'Credentials',
    summary: 'Delete a credential by id or name',
    params: CREDENTIAL_REF,
    query: z.object({ force: BooleanParam.optional() }).strict(),
    label: 'Delete request',
    responses: { 200: { description: 'deleted', schema: R.ok(R.CredentialDeletedSchema) } },
    errors: { 409: 'conflict: genies still name it (details list them); force: true removes it from them' },
    handler: async ({ ownerId, params, query, services }) => ({
      data: await services.credentials.delete(ownerId, params.id, { force: query.force ?? false }),
    }),
  }),
  // The action also tests a credential before it is stored, from its definition.
  actionOnly({
    action: 'test-credential',
    body: TestCredentialSchema,
    label: 'Test request',
    handler: async ({ ownerId, body, services }) => {
      const { name, url, method, timeout_ms, ...definition } = body;
      if (name === undefined && definition.credential_type === 'oauth2') {
        // Testing refreshes, and a token endpoint may rotate (so spend) the refresh token it is given.
        throw new ValidationError(
          'An oauth2 credential is tested once it is stored (a test refreshes it, which may replace its refresh token): store it, then test it by name.',
          [{ field: 'name', message: 'required to test an oauth2 credential' }]
        );
      }
      return {
        data: await services.credentials.test(ownerId, {
          name,
          definition:
            name === undefined ? parseOrThrow(CredentialDefinitionSchema, definition, 'Credential') : undefined,
          url,
          method,
          timeoutMs: timeout_ms,
        }),
      };
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/credentials/{id}/test',
    operationId: 'testCredential',
    tag: 'Credentials',
    summary: 'Check that a stored credential decrypts, and with url make a real request with it',
    description:
      'To test a credential before storing it, use the action test-credential with its definition. An oauth2 credential is refreshed at its token_url and the answer says when the new access token expires (expires_at); a refused refresh token (invalid_grant) makes it needs_reauth.',
    params: CREDENTIAL_REF,
    body: TestCredentialSchema.pick({ url: true, method: true, timeout_ms: true }).openapi('TestStoredCredential'),
    bodyOptional: true,
    label: 'Test request',
    responses: { 200: { description: 'the result', schema: R.ok(R.CredentialTestSchema) } },
    errors: {
      400: 'validation_error: the url is not one of the credential’s allowed_hosts (or it has none)',
      404: 'not_found: no stored credential of that name',
    },
    handler: async ({ ownerId, params, body, services }) => {
      const ref = params.id;
      const name = 'id' in ref ? await services.credentials.nameOf(ownerId, ref.id) : ref.name;
      const { url, method, timeout_ms } = body;
      return { data: await services.credentials.test(ownerId, { name, url, method, timeoutMs: timeout_ms }) };
    },
  }),
];
