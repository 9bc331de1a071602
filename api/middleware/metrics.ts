import type { RequestHandler } from 'express';
import type { HttpMetrics } from '../../platform/metrics';

/**
 * Counts each request and times it (until its answer is sent, or its stream closed), labelled by
 * the route template that answered (noted by `route()`), never the raw path: labels stay few.
 */
export function recordHttpMetrics(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.duration.startTimer();
    res.once('close', () => {
      const route = typeof res.locals.routeTemplate === 'string' ? res.locals.routeTemplate : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      stop(labels);
    });
    next();
  };
}
