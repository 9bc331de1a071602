// The Express routes of the endpoint table: each path once, with its methods (any other method
// answers 405 with `Allow`), public endpoints apart from the authenticated `/v1` ones.
import { Router, type RequestHandler } from 'express';
import { route } from '../routes/define';
import type { Services } from '../services';
import { byPath, type Endpoint, type RestEndpoint } from './define';
import { ActionTable, actionInput } from './dispatch';
import { invoke, parseActionBody, restInput, type CallContext } from './invoke';

/** `/v1/runs/{run_id}` (OpenAPI) as Express spells it: `/v1/runs/:run_id`. */
const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

export interface EndpointRoutes {
  /** Endpoints served without an API key (health, the OpenAPI document). */
  public: Router;
  /** The `/v1` endpoints, for behind the API key, body parsing and input checks. */
  api: Router;
}

/**
 * The routes of `endpoints`. The `/v1` ones are mounted per resource (`/v1/runs` + `/:run_id`), so
 * the route template a request is counted under reads `/v1/runs/:run_id` (and `/v1/runs/` for the
 * collection).
 */
export function endpointRoutes(
  endpoints: readonly Endpoint[],
  services: Services,
  openApiDocument: () => unknown
): EndpointRoutes {
  const actions = new ActionTable(endpoints);
  const handlerOf =
    (endpoint: RestEndpoint): RequestHandler =>
    async (req, res) => {
      const context: CallContext = { req, res, services, openApiDocument };
      if (!endpoint.rest.dispatcher) return invoke(endpoint, restInput(endpoint, req), context);
      // A body with no action is the endpoint's own (POST /v1/worker-genies: create).
      const { action, fields } = parseActionBody(req.body);
      const target = actions.resolve(action ?? endpoint.actions[0]!, fields);
      return invoke(target, actionInput(target, fields), context);
    };

  const publicRouter = Router();
  const api = Router();
  const resources = new Map<string, Router>();
  for (const [path, group] of byPath(endpoints)) {
    const handlers = Object.fromEntries(group.map((endpoint) => [endpoint.rest.method, handlerOf(endpoint)]));
    if (group.some((endpoint) => endpoint.rest.public !== group[0]!.rest.public)) {
      throw new Error(`${path}: every method of a path is public, or none is`);
    }
    if (group[0]!.rest.public) {
      route(publicRouter, expressPath(path), handlers);
      continue;
    }
    const [, version, resource, ...rest] = path.split('/');
    if (version !== 'v1' || !resource) throw new Error(`${path}: an authenticated endpoint lives under /v1/<resource>`);
    const prefix = `/v1/${resource}`;
    let router = resources.get(prefix);
    if (!router) {
      router = Router();
      resources.set(prefix, router);
      api.use(prefix, router);
    }
    route(router, expressPath(`/${rest.join('/')}`), handlers);
  }
  return { public: publicRouter, api };
}
