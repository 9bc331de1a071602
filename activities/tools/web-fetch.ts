import { z } from 'zod';
import { findCredentialByName, findCredentialsByNames, type CredentialRow } from '../../db/repositories/credentials';
import { hostNamedBy } from '../../fetch/credentials';
import {
  credentialAllowed,
  FetchFailedError,
  guardedFetch,
  WEB_FETCH_TIMEOUT_DEFAULT_MS,
  WEB_FETCH_TIMEOUT_MAX_MS,
  type FetchCredential,
} from '../../fetch/guarded-fetch';
import { Redactor } from '../../fetch/redact';
import { FetchRefusedError } from '../../fetch/ssrf';
import { RESERVED_HEADERS } from '../../domain/schemas/credential';
import {
  credentialUsed,
  refreshable,
  refreshAfterUnauthorized,
  usableCredential,
  type UsableCredential,
} from './credential-use';
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
    let credential: UsableCredential | undefined;
    if (chosen.credential) {
      const usable = await usableCredential(ctx.deps, chosen.credential, url);
      if ('error' in usable) return toolError(usable.error);
      credential = usable;
    }
    let redactor = credential?.redactor ?? new Redactor([]);
    const body = requestBody(request.body, headers);
    if (
      request.method !== 'GET' &&
      request.method !== 'HEAD' &&
      !Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key')
    ) {
      // A retried activity repeats the request with the same key, so the server can drop the repeat.
      headers['Idempotency-Key'] = `genie-${ctx.runId}-${ctx.toolUseId}`;
    }
    const send = (fetchCredential: FetchCredential | undefined) =>
      guardedFetch(
        {
          url: url.toString(),
          method: request.method,
          headers,
          body,
          timeoutMs: request.timeout_ms ?? WEB_FETCH_TIMEOUT_DEFAULT_MS,
        },
        { policy: ctx.deps.fetchPolicy, credential: fetchCredential, signal: ctx.signal }
      );

    try {
      let result = await send(credential?.fetch);
      if (result.status === 401 && refreshable(credential) && !result.credential_dropped) {
        // The access token was refused: one fresh token, one more try (its answer stands, 401 or not).
        const fresh = await refreshAfterUnauthorized(ctx.deps, credential);
        if ('error' in fresh) return toolError(redactor.text(fresh.error));
        credential = fresh;
        redactor = fresh.redactor;
        result = await send(fresh.fetch);
      }
      // Bookkeeping only: a database hiccup here must not make a retry repeat the request.
      if (credential) await credentialUsed(ctx.db, ctx.ownerId, credential);
      return {
        isError: false,
        result: redactor.value({ ...result, ...(credential ? { credential: credential.row.name } : {}) }),
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
