import type { RequestHandler } from 'express';
import type { HttpMetrics } from '../../platform/metrics';
import { routeTemplateOf } from '../routes/define';

/**
 * Counts each request and times it (until its answer is sent, or its stream closed), labelled by
 * the route template that answered (noted by `route()`), never the raw path: labels stay few.
 */
export function recordHttpMetrics(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.duration.startTimer();
    res.once('close', () => {
      const labels = { method: req.method, route: routeTemplateOf(res), status: String(res.statusCode) };
      metrics.requests.inc(labels);
      stop(labels);
    });
    next();
  };
}
