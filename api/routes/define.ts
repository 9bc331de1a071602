import type { RequestHandler, Response, Router } from 'express';
import { methodNotAllowed } from '../middleware/errors';

type Method = 'get' | 'post' | 'patch' | 'delete';

/** The route template that answered a request (`/v1/runs/:run_id`), or `unmatched`: never a raw path. */
export function routeTemplateOf(res: Response): string {
  return typeof res.locals.routeTemplate === 'string' ? res.locals.routeTemplate : 'unmatched';
}

/** Registers a path's handlers by method; any other method answers 405 with `Allow`. */
export function route(
  router: Router,
  path: string,
  handlers: Partial<Record<Method, RequestHandler | RequestHandler[]>>
): void {
  const registered = router.route(path);
  // The template that answered (`/v1/runs/:run_id`), for metrics: known only while this router runs.
  registered.all((req, res, next) => {
    res.locals.routeTemplate = `${req.baseUrl}${path}`;
    next();
  });
  const allowed: string[] = [];
  for (const [method, handler] of Object.entries(handlers) as Array<[Method, RequestHandler | RequestHandler[]]>) {
    registered[method](handler);
    allowed.push(method.toUpperCase());
  }
  registered.all(methodNotAllowed(allowed));
}
