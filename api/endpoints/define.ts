// How an endpoint is declared: once, with what the OpenAPI document says of it, what it takes, its
// action name in `POST /v1/worker-genies {action}` when it has one, and its handler. The Express
// routes (api/endpoints/router.ts), the action dispatcher (api/endpoints/dispatch.ts) and the
// OpenAPI document (api/openapi/) are all derived from the table of these (api/endpoints/index.ts).
import type { Request, Response } from 'express';
import { z } from '../../domain/schemas/zod';
import type { Services } from '../services';
import { requireId } from '../validation';

export type Method = 'get' | 'post' | 'patch' | 'delete';

/** A path parameter: its schema in the OpenAPI document, and how a raw value becomes the handler's. */
export interface PathParam<T = unknown> {
  schema: z.ZodType;
  /** The value from the path (or from the action field `field`), as the handler gets it; throws a 400 or 404. */
  parse(value: unknown, field: string, label: string): T;
}

/**
 * A uuid path parameter. A missing one is a 400; a malformed one answers 404 `<what> not found`,
 * exactly as an id that does not exist.
 */
export const uuidParam = (what: string): PathParam<string> => ({
  schema: z.string().uuid(),
  parse: (value, field) => requireId(value, field, what),
});

/**
 * A query or body the framework validates before the handler runs: a zod schema (documented and
 * parsed as is), or a documented schema with a parser of its own (the data endpoints, whose filters
 * and rows are checked against their table).
 */
export type Input<T = unknown> =
  z.ZodType<T> | { schema: z.ZodType; parse(raw: Record<string, unknown>, label: string): T };

/** An input documented by `schema` and read by `parse` (which throws a 400 for what it refuses). */
export const parsedBy = <T>(
  schema: z.ZodType,
  parse: (raw: Record<string, unknown>, label: string) => T
): Input<T> => ({ schema, parse });

export type Params = Record<string, PathParam>;

/** What the handler gets from an input: the schema's output, the parser's result, or undefined. */
export type Parsed<I> = I extends z.ZodType
  ? z.output<I>
  : I extends { parse(raw: Record<string, unknown>, label: string): infer T }
    ? T
    : undefined;
export type ParsedParams<P> = { [K in keyof P]: P[K] extends PathParam<infer T> ? T : never };

/** What a handler answers: `data` in the success envelope, with `status` (200) and extra headers. */
export interface Answer {
  status?: number;
  data: unknown;
  headers?: Record<string, string>;
}

export interface HandlerContext<P, Q, B> {
  /** The authenticated caller (a public endpoint has none: reading it answers 401). */
  readonly ownerId: string;
  params: P;
  query: Q;
  body: B;
  /** The request's `Idempotency-Key` header, on endpoints that declare `idempotencyKey`. */
  idempotencyKey?: string;
  services: Services;
  /** The OpenAPI document of this API (derived from the endpoint table). */
  openApiDocument: () => unknown;
  req: Request;
  res: Response;
}

/** Answers `{status?, data}` (the framework wraps it in the envelope), or nothing when it wrote the answer itself. */
export type Handler<P, Q, B> = (ctx: HandlerContext<P, Q, B>) => Promise<Answer | void> | Answer | void;

/** One success answer in the OpenAPI document: JSON (`schema`), another media type, or no body. */
export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  mediaType?: string;
}

/** How an endpoint is reached through `POST /v1/worker-genies {action}`. */
export interface ActionSpec {
  /** Its action name, or names (aliases). */
  name: string | readonly string[];
  /** The field carrying each path parameter when it is not the parameter's own name (`{id: 'approval_id'}`). */
  fields?: Record<string, string>;
}

interface Inputs<P extends Params, Q extends Input | undefined, B extends Input | undefined> {
  /** Path parameters, by name as in `path`. */
  params?: P;
  /** The query string (read only when declared). */
  query?: Q;
  /** The JSON body (read only when declared): fields at its top level or under `data` (`data` wins). */
  body?: B;
  /** The body may be left out. */
  bodyOptional?: boolean;
  /** What a 400 calls the request: `<label> is invalid: …` (default `Request`). */
  label?: string;
  /** Reads and checks the `Idempotency-Key` header (1 to 255 printable characters). */
  idempotencyKey?: boolean;
  handler: Handler<ParsedParams<P>, Parsed<Q>, Parsed<B>>;
}

/** The `Idempotency-Key` header of the endpoints that declare `idempotencyKey`: 1 to 255 printable ASCII characters. */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/)
  .openapi({
    description: 'a repeat within 24 h with the same key answers the first result and does nothing again',
    example: 'order-2291-welcome',
  });

export interface EndpointSpec<
  P extends Params,
  Q extends Input | undefined,
  B extends Input | undefined,
> extends Inputs<P, Q, B> {
  method: Method;
  /** OpenAPI style: `/v1/runs/{run_id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** Success answers by status. */
  responses: Record<number, ResponseDoc>;
  /** Further answers besides the standard ones (400, 401, 429, 503; 404 with params; 413 with a body). */
  errors?: Record<number, string>;
  /** Served without an API key, outside the `/v1` middleware (health, this document). */
  public?: boolean;
  /** Its name(s) in `POST /v1/worker-genies {action}`. */
  action?: string | readonly string[] | ActionSpec;
  /**
   * This endpoint also dispatches: a body naming an `action` runs that action instead, and a body
   * with none is this endpoint's own (its action is the default). Its documented body is the
   * `ActionRequest` union of every action.
   */
  dispatcher?: boolean;
}

/** What the table holds: an endpoint, or an action with no REST path of its own. */
export interface Endpoint {
  /** The REST side; absent for an action that only `POST /v1/worker-genies` reaches. */
  rest?: {
    method: Method;
    path: string;
    operationId: string;
    tag: string;
    summary: string;
    description?: string;
    responses: Record<number, ResponseDoc>;
    errors: Record<number, string>;
    public: boolean;
    dispatcher: boolean;
  };
  params: Params;
  query?: Input;
  body?: Input;
  bodyOptional: boolean;
  label: string;
  idempotencyKey: boolean;
  /** Action names, empty when the endpoint has none. */
  actions: readonly string[];
  /** The action field of each path parameter. */
  actionFields: Record<string, string>;
  handler: Handler<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** An endpoint's `action` option as `{name, fields?}`. */
function actionSpec(action: string | readonly string[] | ActionSpec | undefined): ActionSpec | undefined {
  if (action === undefined) return undefined;
  return typeof action === 'string' || isNameList(action) ? { name: action } : action;
}
const isNameList = (action: readonly string[] | ActionSpec): action is readonly string[] => Array.isArray(action);

/** Declares an endpoint: its OpenAPI description, its inputs, its action name, its handler. */
export function endpoint<
  P extends Params = Record<never, PathParam>,
  Q extends Input | undefined = undefined,
  B extends Input | undefined = undefined,
>(spec: EndpointSpec<P, Q, B>): Endpoint {
  const action = actionSpec(spec.action);
  const params: Params = spec.params ?? {};
  return {
    rest: {
      method: spec.method,
      path: spec.path,
      operationId: spec.operationId,
      tag: spec.tag,
      summary: spec.summary,
      description: spec.description,
      responses: spec.responses,
      errors: spec.errors ?? {},
      public: spec.public ?? false,
      dispatcher: spec.dispatcher ?? false,
    },
    params,
    query: spec.query,
    body: spec.body,
    bodyOptional: spec.bodyOptional ?? false,
    label: spec.label ?? 'Request',
    idempotencyKey: spec.idempotencyKey ?? false,
    actions: action ? (typeof action.name === 'string' ? [action.name] : [...action.name]) : [],
    actionFields: Object.fromEntries(Object.keys(params).map((name) => [name, action?.fields?.[name] ?? name])),
    handler: spec.handler as Endpoint['handler'],
  };
}

/**
 * Declares an action that has no REST path of its own (its fields are another shape than any
 * endpoint's): `POST /v1/worker-genies {action, data}` reaches it, validated by `body`.
 */
export function actionOnly<B extends Input>(spec: {
  action: string;
  body: B;
  bodyOptional?: boolean;
  label?: string;
  handler: Handler<Record<never, never>, undefined, Parsed<B>>;
}): Endpoint {
  return {
    params: {},
    body: spec.body,
    bodyOptional: spec.bodyOptional ?? false,
    label: spec.label ?? 'Request',
    idempotencyKey: false,
    actions: [spec.action],
    actionFields: {},
    handler: spec.handler as Endpoint['handler'],
  };
}

/** An endpoint with a REST path. */
export type RestEndpoint = Endpoint & { rest: NonNullable<Endpoint['rest']> };

const METHOD_ORDER: readonly Method[] = ['get', 'post', 'patch', 'delete'];

/**
 * The table's REST endpoints by path: paths in the order they first appear, each path's methods in
 * the order GET, POST, PATCH, DELETE (as its routes, its `Allow` header and its OpenAPI path item
 * list them). A path and method declared twice is an error.
 */
export function byPath(endpoints: readonly Endpoint[]): Array<[string, RestEndpoint[]]> {
  const paths = new Map<string, RestEndpoint[]>();
  for (const endpoint of endpoints) {
    if (!endpoint.rest) continue;
    const { path, method } = endpoint.rest;
    const group = paths.get(path) ?? [];
    if (group.some((other) => other.rest.method === method)) throw new Error(`${method} ${path} is declared twice`);
    paths.set(path, [...group, endpoint as RestEndpoint]);
  }
  return [...paths].map(([path, group]) => [
    path,
    group.sort((a, b) => METHOD_ORDER.indexOf(a.rest.method) - METHOD_ORDER.indexOf(b.rest.method)),
  ]);
}
