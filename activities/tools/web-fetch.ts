import { z } from 'zod';
import {
  findCredentialByName,
  findCredentialsByNames,
  touchCredential,
  type CredentialRow,
} from '../../db/repositories/credentials';
import { credentialRedactor, hostNamedBy } from '../../fetch/credentials';
import {
  credentialAllowed,
  FetchFailedError,
  guardedFetch,
  WEB_FETCH_TIMEOUT_DEFAULT_MS,
  WEB_FETCH_TIMEOUT_MAX_MS,
} from '../../fetch/guarded-fetch';
import { Redactor } from '../../fetch/redact';
import { FetchRefusedError } from '../../fetch/ssrf';
import { RESERVED_HEADERS } from '../../domain/schemas/credential';
import { VaultError } from '../../security/vault';
import { defineTool, toolError, type ToolContext } from './registry';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

const input = z
  .object({
    url: z.string().min(1).max(8192).describe('absolute http(s) URL'),
    method: z.enum(METHODS).default('GET'),
    headers: z
      .record(
        z.string().min(1).max(100),
        z
          .string()
          .max(8192)
          .refine((v) => !/[\r\n\0]/.test(v), 'no line breaks')
      )
      .optional()
      .describe('request headers (credentials are added by the platform; do not put secrets here)'),
    body: z.union([z.string(), z.json()]).optional().describe('string, or JSON (sent as application/json)'),
    credential: z.string().min(1).max(100).optional().describe('name of one of your credentials to send'),
    timeout_ms: z.number().int().min(1).max(WEB_FETCH_TIMEOUT_MAX_MS).optional(),
  })
  .strict();
type WebFetchInput = z.infer<typeof input>;

/** The credential a request uses: the one named, or the only one whose allowed hosts name the host. */
async function chooseCredential(
  ctx: ToolContext,
  request: WebFetchInput,
  url: URL
): Promise<{ credential?: CredentialRow; error?: string }> {
  const refs = ctx.genie.credential_refs;
  if (request.credential) {
    if (!refs.includes(request.credential)) {
      return {
        error: `Credential "${request.credential}" is not available to this genie (available: ${refs.join(', ') || 'none'}).`,
      };
    }
    const credential = await findCredentialByName(ctx.db, ctx.ownerId, request.credential);
    if (!credential) return { error: `Credential "${request.credential}" does not exist any more.` };
    if (!credentialAllowed(credential, url, url.hostname)) {
      return {
        error: `Credential "${credential.name}" may not be sent to ${url.hostname} (allowed hosts: ${credential.allowed_hosts.join(', ')}). No request was sent.`,
      };
    }
    return { credential };
  }
  const bound = (await findCredentialsByNames(ctx.db, ctx.ownerId, refs)).filter((c) =>
    hostNamedBy(url.hostname, c.allowed_hosts)
  );
  return bound.length === 1 ? { credential: bound[0] } : {};
}

function requestBody(body: WebFetchInput['body'], headers: Record<string, string>): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  return JSON.stringify(body);
}

export const webFetch = defineTool({
  name: 'web_fetch',
  description:
    'Make an HTTP request (GET, POST, PUT, PATCH, DELETE, HEAD) to a public URL and get {status, headers, body, truncated, bytes}. The body is text cut at 64 KiB. Name one of your credentials in `credential` to have the platform add it (you never see its value); a credential bound to the host is added automatically.',
  input,
  summarize: (request) => `web_fetch ${request.method ?? 'GET'} ${String(request.url ?? '?').slice(0, 120)}`,
  transactional: false,
  async execute(ctx, request) {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return toolError(`Not a valid absolute URL: ${request.url}`);
    }
    const headers: Record<string, string> = { ...(request.headers ?? {}) };
    const reserved = Object.keys(headers).filter((h) => RESERVED_HEADERS.includes(h.toLowerCase()));
    if (reserved.length)
      return toolError(`These headers are set by the platform and may not be given: ${reserved.join(', ')}`);

    const chosen = await chooseCredential(ctx, request, url);
    if (chosen.error) return toolError(chosen.error);
    let secret: string | undefined;
    if (chosen.credential) {
      try {
        secret = ctx.deps.vault.decrypt(chosen.credential.ciphertext, {
          ownerId: ctx.ownerId,
          credentialId: chosen.credential.id,
        });
      } catch (err) {
        if (err instanceof VaultError) {
          return toolError(
            `Credential "${chosen.credential.name}" cannot be decrypted; its owner must store it again.`
          );
        }
        throw err;
      }
    }
    const redactor = chosen.credential && secret ? credentialRedactor(chosen.credential, secret) : new Redactor([]);
    const body = requestBody(request.body, headers);
    if (
      request.method !== 'GET' &&
      request.method !== 'HEAD' &&
      !Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key')
    ) {
      // A retried activity repeats the request with the same key, so the server can drop the repeat.
      headers['Idempotency-Key'] = `genie-${ctx.runId}-${ctx.toolUseId}`;
    }

    try {
      const result = await guardedFetch(
        {
          url: url.toString(),
          method: request.method,
          headers,
          body,
          timeoutMs: request.timeout_ms ?? WEB_FETCH_TIMEOUT_DEFAULT_MS,
        },
        {
          policy: ctx.deps.fetchPolicy,
          credential: chosen.credential && secret ? { shape: chosen.credential, secret } : undefined,
          signal: ctx.signal,
        }
      );
      if (chosen.credential) {
        // Bookkeeping only: a database hiccup here must not make a retry repeat the request.
        await touchCredential(ctx.db, ctx.ownerId, chosen.credential.id).catch(() => undefined);
      }
      return {
        isError: false,
        result: redactor.value({ ...result, ...(chosen.credential ? { credential: chosen.credential.name } : {}) }),
      };
    } catch (err) {
      if (err instanceof FetchRefusedError || err instanceof FetchFailedError) {
        return toolError(redactor.text(err.message));
      }
      if (err instanceof Error) err.message = redactor.text(err.message);
      throw err;
    }
  },
});
